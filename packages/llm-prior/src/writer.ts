import fs from "node:fs/promises";
import path from "node:path";

let tempCounter = 0;

/**
 * Writes a file atomically without blocking the event loop: the bytes go to
 * a temporary file in the same directory, which is flushed (fsync) and then
 * renamed over the target, so a crash never leaves half a file.
 */
export async function writeFileAtomicAsync(target: string, contents: string): Promise<void> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${++tempCounter}.tmp`);
  const handle = await fs.open(temp, "w");
  try {
    await handle.writeFile(contents, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/**
 * Keeps one file up to date with a changing state. `save()` resolves once a
 * write that began after the call has landed on disk; saves asked for while
 * a write is running are coalesced into one more write of the latest state,
 * so a burst of finished classes costs one or two fsyncs, not one each.
 */
export class CoalescingWriter {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(
    private readonly target: string,
    private readonly render: () => string,
  ) {}

  save(): Promise<void> {
    if (this.next) return this.next;
    if (!this.running) {
      this.running = this.write();
      return this.running;
    }
    const after = this.running
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        this.running = this.write();
        return this.running;
      });
    this.next = after;
    return after;
  }

  private async write(): Promise<void> {
    try {
      await writeFileAtomicAsync(this.target, this.render());
    } finally {
      this.running = null;
    }
  }
}
