#!/bin/bash
# Times one `kcat -C -o beginning -e` of a whole topic and the broker's CPU seconds meanwhile
# (utime+stime of its process from /proc/<pid>/stat). MB/s counts 1 KiB per record.
#   bench/fetch/kcat-consume.sh BROKER_PID BOOTSTRAP TOPIC
set -euo pipefail
pid=$1 bootstrap=$2 topic=$3
cpu() { awk '{print $14+$15}' "/proc/$pid/stat"; }
c0=$(cpu); t0=$(date +%s.%N)
n=$(kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -f '\n' | wc -l)
t1=$(date +%s.%N); c1=$(cpu)
echo "$t0 $t1 $c0 $c1 $(getconf CLK_TCK) $n" |
  awk '{s=$2-$1; printf "records=%d secs=%.2f MB/s=%.0f broker_cpu_s=%.2f\n", $6, s, $6*1024/1e6/s, ($4-$3)/$5}'
