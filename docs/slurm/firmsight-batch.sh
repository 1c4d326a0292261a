#!/bin/bash
#SBATCH --job-name=firmsight
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --requeue
firmsight -j "$SLURM_CPUS_PER_TASK" batch /archive --policy region.toml \
    --shard "$SLURM_ARRAY_TASK_ID/8" --out "results/shard-$SLURM_ARRAY_TASK_ID"
