/** The evaluation protocols (always named in a report). */
export const PROTOCOLS = ["online", "validation", "orders", "reference"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const PROTOCOL_DESCRIPTIONS: Record<Protocol, string> = {
  online: "online: fixed hyper-parameters; one pass in the stream's order",
  validation:
    "validation: the method's hyper-parameters chosen over its grid on a validation bundle (the split's validation classes), then one online pass over the test bundle",
  orders: "orders: the online protocol over R seeded permutations of the stream (mean, sd, min, max)",
  reference:
    "reference: the authors' evaluation — best point of the method's grid CHOSEN ON TEST LABELS (an oracle), with the conditional second pass where the method's blocks fill",
};
