#!/usr/bin/env bash
# A real single-node Slurm cluster for the tests, from Debian's slurm-wlm and munge, run as root:
# munged, slurmctld and slurmd with a slurm.conf written here, every file (key, socket, state,
# spool, logs) under one directory. Sourced by run_slurm_tests.sh:
#   cluster_start DIR    starts the daemons, waits until the node is idle, exports SLURM_CONF
#   cluster_stop         stops every daemon cluster_start started, by its process id
# The daemons listen on ports chosen free at start, so two runs on one machine do not collide.

CLUSTER_PIDS=()

cluster_log() { echo "slurm-test: $*" >&2; }

# The first free TCP port from $1 on (nothing answers a connection to it).
cluster_free_port() {
  local p=$1
  while (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# Waits up to $2 seconds for the file $1 to hold a process id; prints it.
cluster_wait_pid() {
  local f=$1 n=$(($2 * 10))
  while [ $n -gt 0 ]; do
    if [ -s "$f" ]; then cat "$f"; return 0; fi
    sleep 0.1; n=$((n - 1))
  done
  return 1
}

cluster_start() {
  local dir=$1
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
  chmod 700 "$dir/munge"
  local host cpus mem_mb ctld_port d_port
  host=$(hostname -s)
  cpus=$(nproc --all)
  mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  ctld_port=$(cluster_free_port $((16817 + RANDOM % 2000)))
  d_port=$(cluster_free_port $((ctld_port + 1)))

  # munge: a fresh key, its own socket.
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
         --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
         --seed-file="$dir/munge/munged.seed" || { cluster_log "munged did not start"; return 1; }
  local pid
  pid=$(cluster_wait_pid "$dir/munge/munged.pid" 10) || { cluster_log "munged wrote no pid"; return 1; }
  CLUSTER_PIDS+=("$pid")

  cat > "$dir/slurm.conf" <<CONF
ClusterName=infsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SchedulerParameters=sched_interval=1
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -i || { cluster_log "slurmctld did not start"; tail -20 "$dir/slurmctld.log" >&2; return 1; }
  pid=$(cluster_wait_pid "$dir/slurmctld.pid" 20) || { cluster_log "slurmctld wrote no pid"; return 1; }
  CLUSTER_PIDS+=("$pid")
  slurmd || { cluster_log "slurmd did not start"; tail -20 "$dir/slurmd.log" >&2; return 1; }
  pid=$(cluster_wait_pid "$dir/slurmd.pid" 20) || { cluster_log "slurmd wrote no pid"; return 1; }
  CLUSTER_PIDS+=("$pid")

  local n=0 state=""
  while [ $n -lt 60 ]; do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -1)
    [ "$state" = idle ] && { cluster_log "node $host idle ($cpus CPUs)"; return 0; }
    sleep 0.5; n=$((n + 1))
  done
  cluster_log "node $host not idle after 30 s (state '$state')"
  tail -20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2
  return 1
}

cluster_stop() {
  local pid i
  for ((i = ${#CLUSTER_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${CLUSTER_PIDS[$i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  CLUSTER_PIDS=()
}
