/**
 * Skeleton joint layouts as data: joint names, bones, graph centre, the joint
 * used to centre a skeleton, and the four body parts of Skeleton-Cache's
 * spatial descriptors (SPEC §2, Eq. 3).
 */

/** The four body parts, in descriptor slot order (slots 0–3). */
export const BODY_PARTS = ["head", "torso", "arms", "feet"] as const;
export type BodyPart = (typeof BODY_PARTS)[number];

export interface SkeletonLayout {
  /** Stable id, e.g. "ntu25". */
  readonly id: string;
  readonly description: string;
  /** Number of joints V. */
  readonly numJoints: number;
  readonly jointNames: readonly string[];
  /** Undirected bones as 0-based joint pairs. */
  readonly bones: readonly (readonly [number, number])[];
  /** Graph centre (ST-GCN's `center`), 0-based. */
  readonly graphCenter: number;
  /** Joint that preprocessing centres on (the spine / mid-body joint), 0-based. */
  readonly spineJoint: number;
  /** 0-based joint indices of each body part; parts may overlap. */
  readonly parts: Readonly<Record<BodyPart, readonly number[]>>;
  /** Where the layout and its part groups come from. */
  readonly source: string;
  /**
   * Joints used for view alignment (0-based), where the layout has them:
   * left / right hip (the hip vector, rotated onto x) and the low / high
   * spine joints (the spine vector, rotated onto z).
   */
  readonly alignJoints?: {
    readonly hipLeft: number;
    readonly hipRight: number;
    readonly spineLow: number;
    readonly spineHigh: number;
  };
}

/**
 * NTU RGB+D (Kinect v2), 25 joints. Bones are ST-GCN's `ntu-rgb+d` graph
 * (which links HandTip–Thumb–Hand); parts are the Skeleton-Cache reference's.
 */
export const NTU25: SkeletonLayout = {
  id: "ntu25",
  description: "NTU RGB+D 60/120, Kinect v2, 25 joints",
  numJoints: 25,
  jointNames: [
    "SpineBase",
    "SpineMid",
    "Neck",
    "Head",
    "ShoulderLeft",
    "ElbowLeft",
    "WristLeft",
    "HandLeft",
    "ShoulderRight",
    "ElbowRight",
    "WristRight",
    "HandRight",
    "HipLeft",
    "KneeLeft",
    "AnkleLeft",
    "FootLeft",
    "HipRight",
    "KneeRight",
    "AnkleRight",
    "FootRight",
    "SpineShoulder",
    "HandTipLeft",
    "ThumbLeft",
    "HandTipRight",
    "ThumbRight",
  ],
  bones: [
    [0, 1],
    [1, 20],
    [2, 20],
    [3, 2],
    [4, 20],
    [5, 4],
    [6, 5],
    [7, 6],
    [8, 20],
    [9, 8],
    [10, 9],
    [11, 10],
    [12, 0],
    [13, 12],
    [14, 13],
    [15, 14],
    [16, 0],
    [17, 16],
    [18, 17],
    [19, 18],
    [21, 22],
    [22, 7],
    [23, 24],
    [24, 11],
  ],
  graphCenter: 20,
  spineJoint: 1,
  parts: {
    head: [2, 3, 4, 8, 20],
    torso: [0, 1, 4, 8, 12, 16, 20],
    arms: [4, 5, 6, 7, 8, 9, 10, 11, 21, 22, 23, 24],
    feet: [0, 12, 13, 14, 15, 16, 17, 18, 19],
  },
  source:
    "joint order: Kinect v2 JointType; bones and centre: ST-GCN Graph('ntu-rgb+d'); parts: Skeleton-Cache reference code (SPEC §2)",
  alignJoints: { hipLeft: 12, hipRight: 16, spineLow: 0, spineHigh: 20 },
};

/**
 * Kinect v1, 20 joints (UTD-MHAD order). Parts follow the NTU groups' logic
 * (head with neck and shoulders, torso with hips and shoulders, overlapping).
 */
export const KINECT_V1_20: SkeletonLayout = {
  id: "kinect-v1-20",
  description: "Kinect v1, 20 joints (UTD-MHAD joint order)",
  numJoints: 20,
  jointNames: [
    "head",
    "shoulder_center",
    "spine",
    "hip_center",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "left_hand",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "right_hand",
    "left_hip",
    "left_knee",
    "left_ankle",
    "left_foot",
    "right_hip",
    "right_knee",
    "right_ankle",
    "right_foot",
  ],
  bones: [
    [0, 1],
    [1, 2],
    [2, 3],
    [1, 4],
    [4, 5],
    [5, 6],
    [6, 7],
    [1, 8],
    [8, 9],
    [9, 10],
    [10, 11],
    [3, 12],
    [12, 13],
    [13, 14],
    [14, 15],
    [3, 16],
    [16, 17],
    [17, 18],
    [18, 19],
  ],
  graphCenter: 1,
  spineJoint: 2,
  parts: {
    head: [0, 1, 4, 8],
    torso: [1, 2, 3, 4, 8, 12, 16],
    arms: [4, 5, 6, 7, 8, 9, 10, 11],
    feet: [3, 12, 13, 14, 15, 16, 17, 18, 19],
  },
  source:
    "joint order: UTD-MHAD Skeleton_joint_order.txt (Kinect v1); parts: this project, after the NTU groups",
  alignJoints: { hipLeft: 12, hipRight: 16, spineLow: 3, spineHigh: 1 },
};

/** COCO keypoints, 17 joints (2D pose estimators). */
export const COCO17: SkeletonLayout = {
  id: "coco17",
  description: "COCO keypoints, 17 joints",
  numJoints: 17,
  jointNames: [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
  ],
  bones: [
    [0, 1],
    [0, 2],
    [1, 3],
    [2, 4],
    [0, 5],
    [0, 6],
    [5, 6],
    [5, 7],
    [7, 9],
    [6, 8],
    [8, 10],
    [5, 11],
    [6, 12],
    [11, 12],
    [11, 13],
    [13, 15],
    [12, 14],
    [14, 16],
  ],
  graphCenter: 0,
  spineJoint: 0,
  parts: {
    head: [0, 1, 2, 3, 4, 5, 6],
    torso: [5, 6, 11, 12],
    arms: [5, 6, 7, 8, 9, 10],
    feet: [11, 12, 13, 14, 15, 16],
  },
  source: "joint order and bones: COCO keypoints; parts: this project, after the NTU groups",
};

export const LAYOUTS: Readonly<Record<string, SkeletonLayout>> = {
  [NTU25.id]: NTU25,
  [KINECT_V1_20.id]: KINECT_V1_20,
  [COCO17.id]: COCO17,
};
