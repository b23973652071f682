#!/usr/bin/env bash
# A Slurm job array that profiles one model in N shares without MPI, then merges them.
# Submit the shares, then the merge once all of them ended well (docs/distributed.md):
#
#   sbatch --array=0-7 scripts/slurm-profile.sh MODEL.gguf OUTDIR [slkv-profile options...]
#   sbatch --dependency=afterok:<array job id> --wrap \
#       "slkv-profile merge OUTDIR/part-*.h5 --out OUTDIR/profile.h5"
#
# Every task runs share SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT with --resume, so a task
# that was preempted or hit its time limit continues from its checkpoint when resubmitted
# (sbatch --array=<its id> ... with the same arguments). All tasks must see OUTDIR (a shared
# file system) and get the same options and SOURCE_DATE_EPOCH for a reproducible profile.
#SBATCH --job-name=slkv-profile
#SBATCH --cpus-per-task=8
#SBATCH --mem=24G
#SBATCH --time=04:00:00
#SBATCH --requeue
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: sbatch --array=0-(N-1) $0 MODEL OUTDIR [slkv-profile options...]" >&2
  exit 2
fi
model="$1"
outdir="$2"
shift 2
: "${SLURM_ARRAY_TASK_ID:?run this as a job array: sbatch --array=0-N-1 ...}"
: "${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is not set (Slurm older than 18.08?)}"
# Array ids must be 0..N-1: the share index is the task id.
if [ "${SLURM_ARRAY_TASK_MIN:-0}" != 0 ] ||
  [ "${SLURM_ARRAY_TASK_MAX:-$((SLURM_ARRAY_TASK_COUNT - 1))}" != $((SLURM_ARRAY_TASK_COUNT - 1)) ]; then
  echo "slurm-profile.sh: submit with --array=0-$((SLURM_ARRAY_TASK_COUNT - 1))" >&2
  exit 2
fi
mkdir -p "$outdir"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(date -d "$(date -u +%F)" +%s)}"
export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"
exec slkv-profile "$model" --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" --resume \
  --threads "$OMP_NUM_THREADS" --quiet --out "$outdir/part-$SLURM_ARRAY_TASK_ID.h5" "$@"
