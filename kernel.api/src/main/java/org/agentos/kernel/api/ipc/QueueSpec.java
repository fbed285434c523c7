package org.agentos.kernel.api.ipc;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.agentos.kernel.api.security.OwnerNames;
import java.util.Objects;
import java.util.regex.Pattern;

/** How to create a queue. Built with {@link #builder}; everything but the name has a default. */
public final class QueueSpec {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final String name;
    private final Delivery delivery;
    private final int capacity;
    private final long visibilityMillis;
    private final int maxDeliveries;
    private final long dedupWindowMillis;
    private final boolean priorities;
    private final boolean durable;
    private final Set<String> members;

    private QueueSpec(Builder b) {
        this.name = Objects.requireNonNull(b.name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("queue names are 1-64 characters a-z 0-9 . _ -, starting with a letter or digit: '"
                    + name + "'");
        }
        this.delivery = Objects.requireNonNull(b.delivery, "delivery");
        if (b.capacity < 1 || b.capacity > 10_000_000) throw new IllegalArgumentException("capacity must be 1..10000000: " + b.capacity);
        if (b.visibilityMillis < 1) throw new IllegalArgumentException("visibilityMillis must be positive");
        if (b.maxDeliveries < 1) throw new IllegalArgumentException("maxDeliveries must be positive");
        if (b.dedupWindowMillis < 1) throw new IllegalArgumentException("dedupWindowMillis must be positive");
        this.capacity = b.capacity;
        this.visibilityMillis = b.visibilityMillis;
        this.maxDeliveries = b.maxDeliveries;
        this.dedupWindowMillis = b.dedupWindowMillis;
        this.priorities = b.priorities;
        this.durable = b.durable;
        this.members = OwnerNames.members(b.members);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() { return name; }

    public Delivery delivery() { return delivery; }

    /** Messages the queue holds, ready and in flight together; a sender beyond it waits. Default 1024. */
    public int capacity() { return capacity; }

    /** How long a received message may stay unacked before it is delivered again. Default 30 s. */
    public long visibilityMillis() { return visibilityMillis; }

    /** Deliveries of one message before it goes to the dead-letter queue. Default 5. */
    public int maxDeliveries() { return maxDeliveries; }

    /** How long an idempotency key is remembered (exactly-once). Default 10 minutes. */
    public long dedupWindowMillis() { return dedupWindowMillis; }

    /** Whether messages carry a priority 0..9 (9 first); otherwise FIFO. */
    public boolean priorities() { return priorities; }

    /**
     * Whether the queue and its messages survive a crash: a send is acknowledged only once it is
     * on disk (group-committed), and what was not acked is delivered again after a restart.
     */
    public boolean durable() { return durable; }

    /**
     * Owners besides its creator's whose processes may send to, receive from, ack and nack on it
     * (each with the capability as well). Nobody else may, whatever capability they hold, short of
     * {@code ipc:admin}: a capability names a queue, not whose it is. Default none.
     */
    public Set<String> members() { return members; }

    /** Builds a {@link QueueSpec}. */
    public static final class Builder {
        private final String name;
        private Delivery delivery = Delivery.AT_LEAST_ONCE;
        private int capacity = 1024;
        private long visibilityMillis = 30_000;
        private int maxDeliveries = 5;
        private long dedupWindowMillis = 600_000;
        private boolean priorities;
        private boolean durable;
        private Collection<String> members = List.of();

        private Builder(String name) {
            this.name = name;
        }

        public Builder delivery(Delivery d) { this.delivery = d; return this; }
        public Builder capacity(int c) { this.capacity = c; return this; }
        public Builder visibilityMillis(long ms) { this.visibilityMillis = ms; return this; }
        public Builder maxDeliveries(int n) { this.maxDeliveries = n; return this; }
        public Builder dedupWindowMillis(long ms) { this.dedupWindowMillis = ms; return this; }
        public Builder priorities(boolean p) { this.priorities = p; return this; }
        public Builder durable(boolean d) { this.durable = d; return this; }
        public Builder members(Collection<String> owners) { this.members = owners == null ? List.of() : List.copyOf(owners); return this; }

        /** @throws IllegalArgumentException for a bad name or a limit out of range */
        public QueueSpec build() {
            return new QueueSpec(this);
        }
    }
}
