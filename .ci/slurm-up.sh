#!/usr/bin/env bash
# Starts a single-node Slurm (munged, slurmctld, slurmd) for tests and CI, and prints the SLURM_CONF to export.
# Idempotent: a cluster already answering is left as it is. Needs root (apt, daemons).
#   eval "$(bash .ci/slurm-up.sh)"    # sets SLURM_CONF in the calling shell
# ProctrackType=proctrack/linuxproc and TaskPlugin=task/none: with proctrack/cgroup the job script never runs in a
# container and Slurm still reports COMPLETED 0:0 (the harness checks every shard's records for that reason too).
set -euo pipefail
dir="${PB_SLURM_DIR:-/tmp/pb-slurm}"
conf="$dir/slurm.conf"
log() { echo "slurm-up: $*" >&2; }

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  log "installing slurm-wlm and munge (apt)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >&2
fi

if [ -f "$conf" ] && SLURM_CONF="$conf" timeout 5 sinfo -h >/dev/null 2>&1; then
  log "already up ($conf)"
  echo "export SLURM_CONF=$conf"
  exit 0
fi

mkdir -p "$dir/state" "$dir/spool" "$dir/log"
node="$(hostname -s)"
cpus="$(nproc)"
mem_mb="$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"
cat >"$conf" <<CONF
ClusterName=peoplebench
SlurmctldHost=${node}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=3600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=${node} CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
CONF

# munge: the package creates /etc/munge/munge.key; make one if it is missing.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
fi
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! pgrep -x munged >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
fi

export SLURM_CONF="$conf"
pkill -x slurmctld 2>/dev/null || true
pkill -x slurmd 2>/dev/null || true
sleep 0.2
setsid slurmctld -D -f "$conf" >"$dir/log/slurmctld.out" 2>&1 </dev/null &
setsid slurmd -D -f "$conf" >"$dir/log/slurmd.out" 2>&1 </dev/null &

for _ in $(seq 1 100); do
  if state="$(timeout 5 sinfo -h -n "$node" -o '%t' 2>/dev/null)" && [[ "$state" =~ ^(idle|mix|alloc) ]]; then
    log "up: node ${node}, ${cpus} CPUs, partition debug ($conf)"
    echo "export SLURM_CONF=$conf"
    exit 0
  fi
  sleep 0.2
done
log "Slurm did not come up within 20 s; see $dir/log"
tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
exit 1
