#!/usr/bin/env bash
# A Slurm job array that evaluates one model in N shares of the prompts without MPI, then
# merges them (docs/distributed.md). Submit the shares, then the merge once all of them ended
# well:
#
#   sbatch --array=0-7 scripts/slurm-eval.sh MODEL.gguf OUTDIR [slkv-eval options...]
#   sbatch --dependency=afterok:<array job id> --wrap \
#       "slkv-eval merge OUTDIR/part-*.json --out OUTDIR/results.json"
#
# Every task runs share SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT with --resume, so a task
# that was preempted or hit its time limit continues from its per-prompt checkpoints
# (OUTDIR/part-I.json.parts/) when resubmitted with the same arguments. All tasks must see
# OUTDIR (a shared file system) and get the same options, and the same model, plan and profile
# paths (they are part of the run's identity). Add --no-timings for results whose bytes do not
# depend on the sharding.
#SBATCH --job-name=slkv-eval
#SBATCH --cpus-per-task=8
#SBATCH --mem=24G
#SBATCH --time=04:00:00
#SBATCH --requeue
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: sbatch --array=0-(N-1) $0 MODEL OUTDIR [slkv-eval options...]" >&2
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
  echo "slurm-eval.sh: submit with --array=0-$((SLURM_ARRAY_TASK_COUNT - 1))" >&2
  exit 2
fi
mkdir -p "$outdir"
export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"
exec slkv-eval "$model" --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" --resume \
  --no-progress --out "$outdir/part-$SLURM_ARRAY_TASK_ID.json" "$@"
