# Thespian's task runner. `just` comes from the rust-just devDependency, so after `npm ci`:
#   npx just            # list the recipes
#   npx just up         # collector + Grafana, Loki, Tempo, Prometheus, the example ecosystem, a poker
#   npx just down       # remove all of it again
#   npx just k8s-up     # the same on local Kubernetes: a kind cluster with the demo overlay, Grafana port-forwarded
#   npx just k8s-down   # delete that cluster
# Docker recipes need Docker with the compose plugin, the k8s ones also kind and kubectl; `demo`,
# `test` and `bench` need only Node. `npx just --dry-run RECIPE` prints what a recipe would run.

set shell := ["bash", "-euo", "pipefail", "-c"]

# The observability stack (OpenTelemetry Collector, Grafana, Loki, Tempo, Prometheus; Jaeger 2 with the jaeger profile).
instrumentation := "instrumentation/docker-compose.yaml"
# The example ecosystem, rendered by `thespian render compose` from the bundled topology.
ecosystem := "deploy/compose/docker-compose.yaml"
# The image `up` builds from ./Dockerfile. Exported so that the rendered compose file can use it.
export THESPIAN_IMAGE := env("THESPIAN_IMAGE", "thespian:local")
# The poker: a container on the `thespian` network that runs `thespian load` against the entry
# service. Override the target (HOST:PORT on that network), method, rate and duration from env.
poker := "thespian-poker"
poker_target := env("POKER_TARGET", "")
poker_method := env("POKER_METHOD", "A")
poker_rate := env("POKER_RATE", "5")
poker_duration := env("POKER_DURATION", "86400")
# Local Kubernetes (k8s-up, k8s-down). The kind cluster's name: KIND_CLUSTER_NAME is also what kind
# itself reads when --name is not given, so one setting serves both.
kind_cluster := env("KIND_CLUSTER_NAME", "thespian")
# Every kubectl call names the kind cluster's context (kind calls it kind-NAME), so that k8s-up never
# applies to whatever cluster the current context happens to point at.
kube_context := "kind-" + kind_cluster
# The namespace the topology renders into ("shop" for the bundled one), and the overlay that adds
# the collector, Tempo, Loki, Prometheus and Grafana to the rendered ecosystem.
k8s_namespace := env("K8S_NAMESPACE", "shop")
k8s_overlay := env("K8S_OVERLAY", "deploy/k8s/demo")
# How long each Deployment or StatefulSet may take to roll out; and the host port for Grafana.
k8s_wait := env("K8S_WAIT", "300s")
grafana_port := env("GRAFANA_PORT", "3000")

# List the recipes
default:
    @{{just_executable()}} --justfile {{justfile()}} --list

# Compile the TypeScript sources to dist/
build:
    npm run build

# Start the observability stack, the example ecosystem as containers on its network (sending to its collector), and a poker calling the entry service (COMPOSE_PROFILES=jaeger adds Jaeger)
up:
    @test -f {{ecosystem}} || { echo "{{ecosystem}} is missing: render it with thespian render compose (see deploy/)" >&2; exit 1; }
    docker compose -f {{instrumentation}} up -d
    docker build -t {{THESPIAN_IMAGE}} .
    docker compose -f {{ecosystem}} up -d --build --wait
    docker rm -f {{poker}} >/dev/null 2>&1 || true
    target="{{poker_target}}"; target="${target:-$(node instrumentation/poker-target.mjs {{ecosystem}})}"; \
      echo "poker: ${target} method {{poker_method}} at {{poker_rate}}/s"; \
      docker run -d --rm --name {{poker}} --network thespian --label org.thespian.role=poker \
        {{THESPIAN_IMAGE}} load --target "${target}" --method {{poker_method}} \
        --rate {{poker_rate}} --duration {{poker_duration}}
    @echo "Grafana: http://localhost:3000 (Dashboards > Thespian > Thespian overview). Stop it all with: npx just down"

# Remove everything `up` started: the poker, the ecosystem, the stack (Jaeger too), their volumes, orphans and the network
down:
    docker rm -f {{poker}} >/dev/null 2>&1 || true
    if [ -f {{ecosystem}} ]; then docker compose -f {{ecosystem}} down --volumes --remove-orphans; fi
    docker compose -f {{instrumentation}} --profile jaeger down --volumes --remove-orphans

# Local Kubernetes: a kind cluster (KIND_CLUSTER_NAME), the image built and loaded into it, the demo overlay (ecosystem, collector, Tempo, Loki, Prometheus, Grafana) applied, rollouts waited for, then Grafana port-forwarded to localhost:3000 until Ctrl-C
k8s-up:
    @test -f {{k8s_overlay}}/kustomization.yaml || { echo "{{k8s_overlay}} is missing: render it with thespian render k8s (npm run render:examples for the bundled topology)" >&2; exit 1; }
    kind get clusters 2>/dev/null | grep -qx '{{kind_cluster}}' || kind create cluster --name {{kind_cluster}} --wait 120s
    docker build -t {{THESPIAN_IMAGE}} .
    kind load docker-image {{THESPIAN_IMAGE}} --name {{kind_cluster}}
    kubectl --context {{kube_context}} apply -k {{k8s_overlay}}
    kubectl --context {{kube_context}} -n {{k8s_namespace}} wait --for=condition=Available deployment --all --timeout {{k8s_wait}}
    @echo "Grafana: http://localhost:{{grafana_port}} (Ctrl-C stops the port-forward; the cluster keeps running until npx just k8s-down)"
    kubectl --context {{kube_context}} -n {{k8s_namespace}} port-forward service/grafana {{grafana_port}}:3000

# Delete the kind cluster k8s-up created (KIND_CLUSTER_NAME), and everything in it
k8s-down:
    kind delete cluster --name {{kind_cluster}}

# Call METHOD (A, B or C) once: SERVICE_OR_PORT is a port (localhost:PORT), HOST:PORT, or a service of the ecosystem
[positional-arguments]
poke SERVICE_OR_PORT METHOD="A":
    #!/usr/bin/env bash
    set -euo pipefail
    target="$1"
    method="$(printf '%s' "$2" | tr '[:lower:]' '[:upper:]')"
    case "$method" in A|B|C) ;; *) echo "METHOD must be A, B or C, not '$2'" >&2; exit 2 ;; esac
    # A bare number is a port on this machine.
    if [[ "$target" =~ ^[0-9]+$ ]]; then target="localhost:$target"; fi
    if [[ "$target" == *:* ]]; then
      if command -v grpcurl >/dev/null 2>&1; then
        # Reflection is on in every instance, so grpcurl needs no .proto file.
        grpcurl -plaintext -d '{}' "$target" "thespian.Thespian/$method"
      else
        [ -f dist/cli/main.js ] || npm run build --silent
        node dist/cli/main.js poke "$target" "$method"
      fi
    else
      # A compose service name: its port is usually not published, so call it from inside its own
      # container, where it listens on localhost:$PORT.
      docker compose -f {{ecosystem}} exec -T "$target" \
        sh -c 'node dist/cli/main.js poke "localhost:${PORT:-6379}" "$1"' sh "$method"
    fi

# Follow the logs of the stack, the ecosystem and the poker (Ctrl-C stops following, not the services)
logs:
    #!/usr/bin/env bash
    set -uo pipefail
    trap 'kill $(jobs -p) 2>/dev/null' EXIT
    docker compose -f {{instrumentation}} logs -f --tail=20 &
    if [ -f {{ecosystem}} ]; then docker compose -f {{ecosystem}} logs -f --tail=20 & fi
    docker logs -f --tail=20 {{poker}} 2>/dev/null &
    wait

# Run the example ecosystem with no Docker: local processes and traces drawn in the terminal (npm start)
demo:
    npm start

# Build and run every test (npm test)
test:
    npm test

# Run the benchmarks (npm run bench)
bench:
    npm run bench
