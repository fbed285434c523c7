package org.agentos.kernel.impl.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agentos.kernel.impl.proc.Proc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU workers, one per core, each taking the next READY process from the scheduler and
 * running one step; and the watchdog, which ends a process whose step runs too long and replaces
 * the worker it holds, so one runaway program never takes a CPU away from the others.
 */
public final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    /** What a worker does with a picked process: {@link Kernel#run}. */
    public interface Runner {
        Proc pick();

        void run(Proc p, Worker w);

        void watchdogExpired(Proc p, long ranMillis);
    }

    public final class Worker implements Runnable {
        final Thread thread;
        volatile Proc current;
        volatile long since;
        volatile boolean abandoned;
        /** This worker thread's CPU time (from the HAL), sampled every 256 steps and when it goes idle. */
        volatile long cpuNanos;
        private int steps;

        Worker(int id) {
            thread = new Thread(this, "agentos-cpu-" + id);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (running && !abandoned) {
                Proc p = runner.pick();
                if (p == null) {
                    cpuNanos = threadCpu.getAsLong();
                    idle.add(this);
                    // Re-check after registering: an enqueue between pick() and add() must not be missed.
                    p = runner.pick();
                    if (p == null) {
                        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50));
                        idle.remove(this);
                        continue;
                    }
                    idle.remove(this);
                }
                runner.run(p, this);
                if ((++steps & 255) == 0) cpuNanos = threadCpu.getAsLong();
            }
        }

        /** The worker runs a step of {@code p} from {@code nanos} (the kernel's clock) on. */
        void begin(Proc p, long nanos) {
            since = nanos;
            current = p;
        }

        void end() {
            current = null;
        }
    }

    private final Runner runner;
    private final java.util.function.LongSupplier clock;
    private final java.util.function.LongSupplier threadCpu;
    private final int size;
    private final long stepTimeoutNanos;
    private final List<Worker> workers = new ArrayList<>();
    private final ConcurrentLinkedQueue<Worker> idle = new ConcurrentLinkedQueue<>();
    private volatile boolean running;
    private Thread watchdog;
    private int nextId;

    public Dispatcher(Runner runner, java.util.function.LongSupplier clock, java.util.function.LongSupplier threadCpu, int size,
               long stepTimeoutMillis) {
        this.runner = runner;
        this.clock = clock;
        this.threadCpu = threadCpu;
        this.size = size;
        this.stepTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stepTimeoutMillis);
    }

    public synchronized void start() {
        running = true;
        for (int i = 0; i < size; i++) {
            startWorker();
        }
        watchdog = new Thread(this::watch, "agentos-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void startWorker() {
        Worker w = new Worker(nextId++);
        workers.add(w);
        w.thread.start();
    }

    /** Workers running a step now. */
    public synchronized int busy() {
        int n = 0;
        for (Worker w : workers) if (w.current != null) n++;
        return n;
    }

    /** Wakes one idle worker; called after a process became READY. */
    public void signalWork() {
        Worker w = idle.poll();
        if (w != null) {
            LockSupport.unpark(w.thread);
        }
    }

    public int size() {
        return size;
    }

    /** Workers the watchdog replaced because a step would not end. */
    public synchronized int replaced() {
        return nextId - size;
    }

    /** CPU time the current workers have used, as the HAL measures it per thread. */
    public synchronized long cpuNanos() {
        long sum = 0;
        for (Worker w : workers) sum += w.cpuNanos;
        return sum;
    }

    /** Stops the workers after their current step; waits at most {@code millis} for them. */
    public void stop(long millis) {
        List<Worker> all;
        synchronized (this) {
            running = false;
            all = new ArrayList<>(workers);
        }
        all.forEach(w -> LockSupport.unpark(w.thread));
        if (watchdog != null) watchdog.interrupt();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Worker w : all) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            try {
                w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void watch() {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(stepTimeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(250)));
        while (running) {
            LockSupport.parkNanos(this, period);
            if (!running) return;
            List<Worker> snapshot;
            synchronized (this) {
                snapshot = new ArrayList<>(workers);
            }
            long now = clock.getAsLong();
            for (Worker w : snapshot) {
                Proc p = w.current;
                long since = w.since;
                if (p == null || w.abandoned || now - since <= stepTimeoutNanos || w.current != p) continue;
                w.abandoned = true;
                LOG.warn("watchdog: {} ran one step for more than {} ms on {}; ending it and replacing the worker",
                        p, TimeUnit.NANOSECONDS.toMillis(stepTimeoutNanos), w.thread.getName());
                synchronized (this) {
                    workers.remove(w);
                    if (running) startWorker();
                }
                w.thread.interrupt();
                runner.watchdogExpired(p, TimeUnit.NANOSECONDS.toMillis(now - since));
            }
        }
    }
}
