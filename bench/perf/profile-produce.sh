#!/usr/bin/env bash
# Profiles a Millrace broker (node --cpu-prof) under one produce load and prints the top of
# the profile. Usage:
#   bash bench/perf/profile-produce.sh perf|pp|kcat [records] [acks] [dist] [outdir]
# perf: millrace perf produce (Kafka producer defaults); pp: Kafka's ProducerPerformance
# (Kafka 4.0.2 jars in bench/.cache/kafka/libs); kcat: kcat -P -l of 1 KiB lines.
# 1 KiB records into a topic of 6 partitions, on a fresh data directory.
set -euo pipefail
tool=${1:-perf}; records=${2:-1000000}; acks=${3:-1}; dist=$(realpath "${4:-.tmp/perf/dist}"); out=${5:-.tmp/perf/profiles}
port=${PORT:-19492}
mkdir -p "$out"; out=$(realpath "$out")
data=$(mktemp -d /tmp/millrace-prof-XXXX)
launch() { local d=$1; shift; node --input-type=module -e "const { main } = await import('$d/src/cli/main.js'); await main(['node', 'millrace', ...process.argv.slice(1)]);" "$@"; }
profdir="$out/$tool-$(date +%H%M%S)"
mkdir -p "$profdir"
node --cpu-prof --cpu-prof-dir "$profdir" --input-type=module -e "const { main } = await import('$dist/src/cli/main.js'); await main(['node', 'millrace', ...process.argv.slice(1)]);" \
  start --log-level warn --override "log.dirs=$data" --override "listeners=PLAINTEXT://127.0.0.1:$port" --override num.partitions=6 &
broker=$!
trap 'kill $broker 2>/dev/null || true' EXIT
sleep 1.5
launch "$dist" perf produce --bootstrap-server 127.0.0.1:$port --topic load --num-records 1 --record-size 10 --acks 1 --quiet --json > /dev/null
cpu0=$(awk '{print $14+$15}' /proc/$broker/stat)
start=$(date +%s.%N); load=$(cut -d' ' -f1-3 /proc/loadavg)
case $tool in
  perf) launch "$dist" perf produce --bootstrap-server 127.0.0.1:$port --topic load --num-records "$records" --record-size 1024 --acks "$acks" --quiet ${PERF_ARGS:-} ;;
  pp) java -Xmx512M -cp "bench/.cache/kafka/libs/*" org.apache.kafka.tools.ProducerPerformance --topic load --num-records "$records" ${PP_PAYLOAD:---record-size 1024} --throughput -1 --producer-props bootstrap.servers=127.0.0.1:$port acks=$acks ${PP_PROPS:-} 2>&1 | tail -1 ;;
  kcat) f=bench/.cache/vs-kafka/input/kcat-1k-$records.txt; [ -f "$f" ] || { echo "missing $f (run bench/perf/vs-kcat.js --records $records once)"; exit 1; }
        kcat -P -b 127.0.0.1:$port -t load -X acks=$acks -l "$f" ;;
esac
end=$(date +%s.%N)
cpu1=$(awk '{print $14+$15}' /proc/$broker/stat)
kill -TERM $broker; wait $broker || true
rm -rf "$data"
echo "tool=$tool records=$records acks=$acks wall_s=$(echo "$end - $start" | bc) broker_cpu_s=$(echo "($cpu1 - $cpu0)/100" | bc -l | cut -c1-5) load_start=\"$load\" load_end=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
node bench/perf/cpuprofile-top.js "$profdir"/*.cpuprofile ${TOP:-25}
