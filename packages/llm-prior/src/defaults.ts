/**
 * The defaults of the generate and endpoint options, in a module that loads
 * nothing else: the command line shows them in --help without loading the
 * openai SDK.
 */

/** The OpenAI API, used when neither a base URL nor OPENAI_BASE_URL is given. */
export const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** Defaults of the endpoint options that have one. */
export const ENDPOINT_DEFAULTS = {
  timeoutMs: 60_000,
  maxTokens: 400,
  seed: 0,
  responseFormat: "auto",
} as const;

/** Defaults of the generate options that have one. */
export const GENERATE_DEFAULTS = { samples: 1, concurrency: 4, maxInvalidAnswers: 2 } as const;
