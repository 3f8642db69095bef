#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying and testing `wdsim run --emit slurm`:
#   tools/slurm_localhost.sh start DIR   starts munged, slurmctld and slurmd with everything in
#                                        DIR (a new or empty folder): munge key, slurm.conf,
#                                        state, spool, pid and log files; prints the line to
#                                        export (SLURM_CONF=DIR/slurm.conf) for sbatch, squeue...
#   tools/slurm_localhost.sh stop DIR    stops the daemons that `start DIR` started (by the
#                                        pids in DIR) and leaves DIR's logs.
# Run as root (the daemons run as root: SlurmUser=root). Debian 12's slurm-wlm and munge
# (tools/install_deps.sh). The node is this host: its short hostname and the CPUs, sockets,
# cores and memory `slurmd -C` reports; one partition "local". No cgroups
# (ProctrackType=proctrack/linuxproc, TaskPlugin=task/none), no accounting. The two Slurm ports
# are free ones picked at start (several such clusters can run side by side). Exit 0 when the
# node is up (sinfo shows it idle) within WDSIM_SLURM_START_SECONDS (default 60), else 1 with
# the reason and the daemons stopped.
set -uo pipefail
usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd="$1"
dir="$2"
start_seconds="${WDSIM_SLURM_START_SECONDS:-60}"
daemons=(slurmd slurmctld munged)

stop() {
  local d pid
  for d in "${daemons[@]}"; do
    [ -s "$dir/$d.pid" ] || continue
    pid=$(cat "$dir/$d.pid")
    # Only a process that still is this daemon (the pid may have been reused since).
    if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$d" ]; then
      kill "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$dir/$d.pid"
  done
}

fail() {  # fail WHY: says why, shows the daemons' last log lines, stops them, exit 1
  echo "slurm_localhost: $1" >&2
  local f
  for f in "$dir"/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log; do
    [ -s "$f" ] && { echo "--- last lines of $f:" >&2; tail -n 5 "$f" >&2; }
  done
  stop
  exit 1
}

free_port() {  # a TCP port nothing listens on, from 20000 up, not in $1 (a list)
  local p
  for p in $(seq 20000 7 40000); do
    case " $1 " in *" $p "*) continue ;; esac
    ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

case "$cmd" in
  stop) stop; exit 0 ;;
  start) ;;
  *) usage ;;
esac

[ "$(id -u)" = 0 ] || { echo "slurm_localhost: run as root" >&2; exit 1; }
for b in munged mungekey slurmctld slurmd sinfo ss; do
  command -v "$b" >/dev/null || PATH="$PATH:/usr/sbin"
  command -v "$b" >/dev/null ||
    { echo "slurm_localhost: $b is not installed (tools/install_deps.sh)" >&2; exit 1; }
done
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)
if [ -n "$(ls -A "$dir")" ]; then
  echo "slurm_localhost: $dir is not empty (give a new or empty folder)" >&2
  exit 1
fi
# A Unix socket path holds at most 107 bytes.
socket="$dir/munge/munge.socket"
[ ${#socket} -le 107 ] ||
  { echo "slurm_localhost: $dir is too long a path for munged's socket (${#socket} > 107 bytes)" >&2; exit 1; }
# munged wants its key and socket folders private.
chmod 700 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" && chmod 700 "$dir/munge"
mungekey --create --keyfile="$dir/munge.key" || fail "mungekey could not create a key"
chmod 400 "$dir/munge.key"
munged --force --socket="$socket" --key-file="$dir/munge.key" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge.seed" ||
  fail "munged did not start"

host=$(hostname -s)
node=$(slurmd -C | head -n 1)
case "$node" in NodeName=*) ;; *) fail "slurmd -C did not describe the node: $node" ;; esac
ctld_port=$(free_port "") || fail "no free TCP port for slurmctld"
slurmd_port=$(free_port "$ctld_port") || fail "no free TCP port for slurmd"
cat >"$dir/slurm.conf" <<CONF
# Written by tools/slurm_localhost.sh: a one-node cluster on $host, everything in $dir.
ClusterName=wdsimlocal
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MaxArraySize=4097
$node State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -i -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
deadline=$((SECONDS + start_seconds))
state=""
while [ $SECONDS -lt $deadline ]; do
  state=$(sinfo -h -n "$host" -o '%T' 2>/dev/null | head -n 1)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || fail "the node is not idle after ${start_seconds} s (state '${state:-none}')"
echo "slurm_localhost: node $host up (slurmctld port $ctld_port, slurmd port $slurmd_port)"
echo "export SLURM_CONF=$SLURM_CONF"
