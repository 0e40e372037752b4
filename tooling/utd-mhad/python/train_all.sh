#!/bin/sh
# Trains every UTD-MHAD model in two background workers (the machine has 2 shared cores):
#   worker A: the zero-shot models, seeds 0-4 of each split;
#   worker B: the validation models, folds 0-2 of each split, then the rest of the seeds.
# Usage (from the repository root):
#   node --conditions=@skc/source --import tsx tooling/utd-mhad/src/prepare.ts /tmp/utd-prep
#   sh tooling/utd-mhad/python/train_all.sh /tmp/utd-prep /tmp/utd-train-logs
set -eu
DATA=${1:?data dir from prepare.ts}
LOGS=${2:-/tmp/utd-train-logs}
mkdir -p "$LOGS"
train() { # split seed|fold N
  name="$1-$2$3"
  if [ "$2" = fold ]; then extra="--fold $3"; else extra="--seed $3"; fi
  nice -n 15 /usr/bin/python3 tooling/utd-mhad/python/train.py --data "$DATA" --split "$1" $extra >"$LOGS/$name.log" 2>&1 \
    && echo "done $name" >>"$LOGS/progress" || echo "FAILED $name" >>"$LOGS/progress"
}
(
  for seed in 0 1 2; do for split in utd_mhad_22_5 utd_mhad_18_9 utd_mhad_14_13; do train $split seed $seed; done; done
  train utd_mhad_22_5 seed 3
  train utd_mhad_18_9 seed 3
) &
(
  for fold in 0 1 2; do for split in utd_mhad_22_5 utd_mhad_18_9 utd_mhad_14_13; do train $split fold $fold; done; done
  train utd_mhad_14_13 seed 3
  for split in utd_mhad_22_5 utd_mhad_18_9 utd_mhad_14_13; do train $split seed 4; done
) &
wait
