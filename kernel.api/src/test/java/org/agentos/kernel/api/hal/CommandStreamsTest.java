package org.agentos.kernel.api.hal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import org.junit.jupiter.api.Test;

class CommandStreamsTest {
    @Test
    void outputIsKeptUpToItsBoundAndTheRestIsDrained() {
        byte[] big = "x".repeat(100_000).getBytes(UTF_8);
        CommandStreams.Output out = CommandStreams.capture(new ByteArrayInputStream(big), 1000, "test-out");
        out.awaitEnd(10_000);
        assertEquals("x".repeat(1000), out.text());
        assertTrue(out.truncated());

        CommandStreams.Output small = CommandStreams.capture(new ByteArrayInputStream("héllo".getBytes(UTF_8)), 1000, "test-small");
        small.awaitEnd(10_000);
        assertEquals("héllo", small.text());
        assertFalse(small.truncated());
    }

    @Test
    void waitingForAStreamThatStaysOpenEndsAtItsBoundWithWhatCameSoFar() throws Exception {
        PipedOutputStream writer = new PipedOutputStream();
        PipedInputStream reader = new PipedInputStream(writer);
        CommandStreams.Output out = CommandStreams.capture(reader, 1000, "test-open");
        writer.write("partial".getBytes(UTF_8));
        writer.flush();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (out.text().isEmpty() && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        out.awaitEnd(50); // the writer (an escaped process) never closes it
        assertEquals("partial", out.text());
        writer.close();
    }

    @Test
    void inputIsWrittenAndClosedOnAThreadOfItsOwn() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        java.io.FilterOutputStream in = new java.io.FilterOutputStream(sink) {
            @Override
            public void close() throws java.io.IOException {
                super.close();
                closed.countDown();
            }
        };
        CommandStreams.feed(in, "some input", "test-in");
        assertTrue(closed.await(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals("some input", sink.toString(UTF_8));

        java.util.concurrent.CountDownLatch closedAtOnce = new java.util.concurrent.CountDownLatch(1);
        CommandStreams.feed(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("nothing to write");
            }

            @Override
            public void close() {
                closedAtOnce.countDown();
            }
        }, null, "test-none");
        assertEquals(0, closedAtOnce.getCount(), "no input: closed on the caller's thread at once");
    }
}
