/** The class-selection flags `generate` and `uniform` share (commander declarations only). */
import { type Command, Option, parseClassIds } from "@skeleton-cache/cli";

type OptionValues = Record<string, unknown>;

/** `--classes`: the class-names file. */
export function classesOption(): Option<"--classes <file>"> {
  return new Option(
    "--classes <file>",
    "class names: text (one per line) or JSON (a list, {class_names}, {<dataset>: list})",
  );
}

/** The flags that narrow --classes to a dataset or split (generate, uniform). */
export function selectionFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .addOption(new Option("--dataset <name>", "dataset label; picks the list of a {<dataset>: list} file"))
    .addOption(new Option("--split <id>", "a split prior for this split's unseen classes (needs --splits)"))
    .addOption(
      new Option("--splits <file>", "splits file ({splits: {<id>: {dataset, unseen}}}, as splits.json)"),
    )
    .addOption(
      new Option(
        "--candidates <ids>",
        "a split prior for these 0-based dataset class ids (keyed by rank), e.g. 10,11,19",
      ).argParser(parseClassIds()),
    );
}
