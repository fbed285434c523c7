package org.agentos.kernel.api.ipc;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A message as a receiver, {@code ipc:peek} or {@code ipc:dlq} sees it.
 *
 * @param id            unique within its queue, increasing in send order
 * @param queue         where it was sent
 * @param from          the sender's pid (0 for the operator or the kernel)
 * @param payload       any JSON value
 * @param priority      0..9 (0 on queues without priorities)
 * @param key           idempotency key, or null
 * @param correlationId request/reply correlation, or null
 * @param replyTo       where a reply goes (a mailbox {@code @<pid>}), or null
 * @param attempts      deliveries so far, this one included
 * @param sentMillis    when it was sent (epoch ms)
 */
public record Message(long id, String queue, long from, JsonNode payload, int priority, String key,
                      String correlationId, String replyTo, int attempts, long sentMillis) {}
