import { ValueError } from "@skeleton-cache/errors";

/** The fields of an NTU RGB+D sample name SsssCcccPpppRrrrAaaa. */
export interface NtuSampleName {
  /** The bare name, e.g. "S001C001P001R001A001". */
  readonly name: string;
  readonly setup: number;
  readonly camera: number;
  /** Performer (subject). */
  readonly subject: number;
  readonly replication: number;
  /** 1-based action id (A001 → 1). */
  readonly action: number;
}

const PATTERN = /^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$/;

/** Bare sample name: directory and extensions (.skeleton, .body0_xyz.npy…) stripped. */
export function ntuBareName(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  const dot = base.indexOf(".");
  return dot < 0 ? base : base.slice(0, dot);
}

/** Parses SsssCcccPpppRrrrAaaa (path and extension allowed); anything else → ValueError. */
export function parseNtuSampleName(name: string): NtuSampleName {
  const bare = ntuBareName(name);
  const match = PATTERN.exec(bare);
  if (!match) {
    throw new ValueError(`${JSON.stringify(name)} is not an NTU sample name (SsssCcccPpppRrrrAaaa)`, {
      field: "name",
      value: name,
      expected: "SsssCcccPpppRrrrAaaa",
    });
  }
  const [, setup, camera, subject, replication, action] = match.map(Number);
  if (action! < 1 || camera! < 1)
    throw new ValueError(`${JSON.stringify(name)}: action and camera numbers start at 1`, {
      field: "name",
      value: name,
    });
  return {
    name: bare,
    setup: setup!,
    camera: camera!,
    subject: subject!,
    replication: replication!,
    action: action!,
  };
}
