package org.agentos.telemetry.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot.StateSetDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.agentos.kernel.api.telemetry.SyscallMetrics;
import org.agentos.kernel.api.telemetry.SystemMetrics;

/**
 * The kernel's counters as Prometheus metrics, all named {@code agentos_*}. Labels stay bounded:
 * syscall names (the table), outcomes (errnos), owners (accounts an operator made), states,
 * gates, subsystems, delivery modes; never a pid or a queue name.
 */
final class KernelSnapshots {
    private static final double[] BOUNDS = withInfinity(SyscallMetrics.BOUNDS);
    private static final String[] MEMORY_LEVELS = {"NORMAL", "HIGH", "CRITICAL"};

    private KernelSnapshots() {}

    static MetricSnapshots of(KernelMetrics kernel, MessageQueues queues) {
        return of(kernel, queues, null);
    }

    /** With {@code cluster} (agentos-cluster installed): its nodes too, a label per node (as many as the cluster has). */
    static MetricSnapshots of(KernelMetrics kernel, MessageQueues queues, Cluster cluster) {
        List<MetricSnapshot> out = new ArrayList<>();
        syscalls(kernel.syscalls(), out);
        system(kernel.system(), out);
        if (queues != null) queues(queues.queues(), out);
        if (cluster != null) cluster(cluster.nodes(), out);
        return new MetricSnapshots(out);
    }

    private static void cluster(List<NodeStatus> nodes, List<MetricSnapshot> out) {
        GaugeSnapshot.Builder byState = GaugeSnapshot.builder().name("agentos_cluster_nodes").help("The cluster's nodes, by state");
        java.util.Map<String, Long> states = new java.util.TreeMap<>(java.util.Map.of(NodeStatus.UP, 0L, NodeStatus.JOINING, 0L));
        for (NodeStatus n : nodes) states.merge(n.state(), 1L, Long::sum);
        states.forEach((state, n) -> byState.dataPoint(gauge(n, "state", state)));
        out.add(byState.build());
        GaugeSnapshot.Builder processes = GaugeSnapshot.builder().name("agentos_cluster_node_processes")
                .help("Live processes of each node, as it last published them");
        GaugeSnapshot.Builder runnable = GaugeSnapshot.builder().name("agentos_cluster_node_runnable")
                .help("Runnable processes of each node, as it last published them");
        for (NodeStatus n : nodes) {
            if (!NodeStatus.UP.equals(n.state())) continue;
            processes.dataPoint(gauge(n.processes(), "node", n.name()));
            runnable.dataPoint(gauge(n.runnable(), "node", n.name()));
        }
        out.add(processes.build());
        out.add(runnable.build());
    }

    private static void syscalls(List<SyscallMetrics> calls, List<MetricSnapshot> out) {
        CounterSnapshot.Builder count = CounterSnapshot.builder().name("agentos_syscalls")
                .help("Syscalls mediated by the kernel, by name and outcome (ok or the errno)");
        HistogramSnapshot.Builder latency = HistogramSnapshot.builder().name("agentos_syscall_duration_seconds")
                .help("How long syscalls took, from the gate to the result").unit(Unit.SECONDS);
        for (SyscallMetrics m : calls) {
            m.outcomes().forEach((outcome, n) -> count.dataPoint(CounterDataPointSnapshot.builder()
                    .labels(Labels.of("syscall", m.name(), "outcome", outcome)).value(n).build()));
            if (m.count() == 0) continue;
            latency.dataPoint(HistogramDataPointSnapshot.builder().labels(Labels.of("syscall", m.name(), "class", m.resourceClass()))
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, m.buckets())).sum(m.seconds()).build());
        }
        out.add(count.build());
        out.add(latency.build());
    }

    private static void system(SystemMetrics s, List<MetricSnapshot> out) {
        GaugeSnapshot.Builder processes = GaugeSnapshot.builder().name("agentos_processes")
                .help("Processes in the process table, by state");
        s.processes().forEach((state, n) -> processes.dataPoint(gauge(n, "state", state.name())));
        out.add(processes.build());

        Map<String, SystemMetrics.Owner> owners = new TreeMap<>(s.owners());
        GaugeSnapshot.Builder live = GaugeSnapshot.builder().name("agentos_owner_processes").help("Live processes of each owner");
        CounterSnapshot.Builder cpu = CounterSnapshot.builder().name("agentos_cpu_seconds").unit(Unit.SECONDS)
                .help("CPU time of each owner's processes' steps");
        CounterSnapshot.Builder steps = CounterSnapshot.builder().name("agentos_steps").help("Steps run by each owner's processes");
        CounterSnapshot.Builder calls = CounterSnapshot.builder().name("agentos_owner_syscalls")
                .help("Syscalls made by each owner's processes");
        CounterSnapshot.Builder tokens = CounterSnapshot.builder().name("agentos_llm_tokens")
                .help("Language-model tokens used by each owner's processes");
        owners.forEach((owner, o) -> {
            live.dataPoint(gauge(o.processes(), "owner", owner));
            cpu.dataPoint(counter(o.cpuNanos() / 1e9, "owner", owner));
            steps.dataPoint(counter(o.steps(), "owner", owner));
            calls.dataPoint(counter(o.syscalls(), "owner", owner));
            tokens.dataPoint(counter(o.tokens(), "owner", owner));
        });
        out.add(live.build());
        out.add(cpu.build());
        out.add(steps.build());
        out.add(calls.build());
        out.add(tokens.build());

        out.add(GaugeSnapshot.builder().name("agentos_cpu_workers").help("CPU workers that run processes' steps")
                .dataPoint(gauge(s.workers())).build());
        out.add(GaugeSnapshot.builder().name("agentos_cpu_workers_busy").help("CPU workers in a step now")
                .dataPoint(gauge(s.busy())).build());
        StateSetDataPointSnapshot.Builder level = StateSetDataPointSnapshot.builder();
        for (String l : MEMORY_LEVELS) level.state(l, l.equals(s.memoryLevel()));
        out.add(StateSetSnapshot.builder().name("agentos_memory_level")
                .help("The memory governor's level: NORMAL, HIGH (throttling), CRITICAL (paging out, stopping idle work)")
                .dataPoint(level.build()).build());

        GaugeSnapshot.Builder inFlight = GaugeSnapshot.builder().name("agentos_llm_gate_in_flight")
                .help("Model calls in flight through each LLM gate");
        GaugeSnapshot.Builder waiting = GaugeSnapshot.builder().name("agentos_llm_gate_waiting")
                .help("Model calls waiting for a slot at each LLM gate");
        GaugeSnapshot.Builder limit = GaugeSnapshot.builder().name("agentos_llm_gate_limit")
                .help("Model calls each LLM gate lets through at once");
        for (SystemMetrics.Gate g : s.gates()) {
            inFlight.dataPoint(gauge(g.inFlight(), "gate", g.resource()));
            waiting.dataPoint(gauge(g.waiting(), "gate", g.resource()));
            limit.dataPoint(gauge(g.limit(), "gate", g.resource()));
        }
        out.add(inFlight.build());
        out.add(waiting.build());
        out.add(limit.build());

        CounterSnapshot.Builder swaps = CounterSnapshot.builder().name("agentos_swaps").help("Subsystem swaps (kernel:swap)");
        CounterSnapshot.Builder paused = CounterSnapshot.builder().name("agentos_swap_pause_seconds").unit(Unit.SECONDS)
                .help("How long swaps held processes up, summed");
        GaugeSnapshot.Builder lastPause = GaugeSnapshot.builder().name("agentos_swap_last_pause_seconds").unit(Unit.SECONDS)
                .help("How long the last swap of each subsystem held processes up");
        for (SystemMetrics.Swaps w : s.swaps()) {
            swaps.dataPoint(counter(w.count(), "subsystem", w.subsystem()));
            paused.dataPoint(counter(w.pauseSeconds(), "subsystem", w.subsystem()));
            lastPause.dataPoint(gauge(w.lastPauseSeconds(), "subsystem", w.subsystem()));
        }
        out.add(swaps.build());
        out.add(paused.build());
        out.add(lastPause.build());

        storage(out, "agentos_memory", "the bound memory manager", "spaces", s.memory());
        storage(out, "agentos_vfs", "the versioned filesystem (live files and their history)", "files", s.files());
        out.add(GaugeSnapshot.builder().name("agentos_audit_backlog_records")
                .help("Audit records accepted and not yet written").dataPoint(gauge(s.auditBacklog())).build());
    }

    private static void storage(List<MetricSnapshot> out, String prefix, String what, String items, SystemMetrics.Storage st) {
        if (st == null) return;
        out.add(GaugeSnapshot.builder().name(prefix + "_bytes").unit(Unit.BYTES).help("Bytes held by " + what)
                .dataPoint(gauge(st.bytes())).build());
        out.add(GaugeSnapshot.builder().name(prefix + "_" + items).help(items + " held by " + what)
                .dataPoint(gauge(st.items())).build());
    }

    private static void queues(List<QueueStats> all, List<MetricSnapshot> out) {
        Map<Delivery, long[]> byDelivery = new EnumMap<>(Delivery.class);
        for (Delivery d : Delivery.values()) byDelivery.put(d, new long[4]);
        for (QueueStats q : all) {
            long[] t = byDelivery.get(q.delivery());
            t[0]++;
            t[1] += q.ready();
            t[2] += q.inFlight();
            t[3] += q.deadLetters();
        }
        GaugeSnapshot.Builder count = GaugeSnapshot.builder().name("agentos_queues")
                .help("Message queues and mailboxes, by delivery guarantee");
        GaugeSnapshot.Builder messages = GaugeSnapshot.builder().name("agentos_queue_messages")
                .help("Messages in queues and mailboxes: ready, in flight (received, not acked), dead letters");
        byDelivery.forEach((d, t) -> {
            String delivery = d.name().toLowerCase(java.util.Locale.ROOT);
            count.dataPoint(gauge(t[0], "delivery", delivery));
            messages.dataPoint(gauge(t[1], "delivery", delivery, "status", "ready"));
            messages.dataPoint(gauge(t[2], "delivery", delivery, "status", "in_flight"));
            messages.dataPoint(gauge(t[3], "delivery", delivery, "status", "dead_letter"));
        });
        out.add(count.build());
        out.add(messages.build());
    }

    private static GaugeDataPointSnapshot gauge(double v, String... labels) {
        return GaugeDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build();
    }

    private static CounterDataPointSnapshot counter(double v, String... labels) {
        return CounterDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build();
    }

    private static double[] withInfinity(double[] bounds) {
        double[] b = java.util.Arrays.copyOf(bounds, bounds.length + 1);
        b[bounds.length] = Double.POSITIVE_INFINITY;
        return b;
    }
}
