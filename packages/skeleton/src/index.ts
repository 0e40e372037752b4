export type { BodyPart, SkeletonLayout } from "./layouts.js";
export { BODY_PARTS, COCO17, KINECT_V1_20, LAYOUTS, NTU25 } from "./layouts.js";
