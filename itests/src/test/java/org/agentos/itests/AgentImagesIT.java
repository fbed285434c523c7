package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Moving an agent between two installations on one machine (two assemblies, their own ports),
 * as users do it: agent:checkpoint on the first, agent:restore on the second, where it finishes
 * with the result of a copy that never moved. Both stop again, whatever happens.
 */
class AgentImagesIT {
    private static final Pattern SPAWNED = Pattern.compile("spawned pid (\\d+)");
    private static final Pattern RESTORED = Pattern.compile("as pid (\\d+)");
    private static final Pattern FORKED = Pattern.compile("forked pid (\\d+)");
    private static UnpackedDistribution first;
    private static UnpackedDistribution second;

    @BeforeAll
    static void start() throws Exception {
        first = UnpackedDistribution.unpack("images-first");
        // room for an agent with 100 MiB of memory (the default is 64 MiB a process)
        first.setProperty("etc/org.agentos.memory.hierarchical.cfg", "processQuotaBytes", 200L << 20);
        second = UnpackedDistribution.unpack("images-second");
        first.start();
        second.start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (first != null) first.stop();
        } finally {
            if (second != null) second.stop();
        }
    }

    private static long pid(Pattern p, String output) {
        Matcher m = p.matcher(output);
        assertTrue(m.find(), output);
        return Long.parseLong(m.group(1));
    }

    private static long notebook(UnpackedDistribution at, String dir) {
        return pid(SPAWNED, at.console("agent:spawn -o alice -c 'fs:*:" + dir + "/**' notebook "
                + "'{\"dir\":\"" + dir + "\",\"limit\":4}'"));
    }

    private static void note(UnpackedDistribution at, long pid, String note) {
        at.console("ipc:send @" + pid + " '{\"note\":\"" + note + "\"}'");
    }

    @Test
    void anAgentMovedToASecondInstallationFinishesLikeOneThatStayed() throws Exception {
        long moving = notebook(first, "/home/alice/book");
        long staying = notebook(first, "/home/alice/stays"); // its own notebook: the image holds the mover's only
        for (long pid : new long[] {moving, staying}) {
            note(first, pid, "one");
            note(first, pid, "two");
        }
        UnpackedDistribution.waitUntil("two notes counted", () ->
                first.console("mem:get user/" + moving + " count").contains("2")
                        && first.console("mem:get user/" + staying + " count").contains("2"));
        Path image = first.home.resolve("images/notebook");
        first.console("agent:pause " + moving);
        note(first, moving, "three");
        note(first, moving, "four"); // waits in its mailbox: the image carries it
        String written = first.console("agent:checkpoint --keep-paused -o " + image + " --tag v1 " + moving);
        assertTrue(written.contains("checkpointed pid " + moving + " (notebook)"), written);
        assertTrue(written.contains("files: 1"), written);
        assertTrue(Files.isRegularFile(image.resolve("index.json")), "an OCI image layout");
        String listed = first.console("agent:images " + image);
        assertTrue(listed.contains("v1") && listed.contains("notebook") && listed.contains(Long.toString(moving)), listed);
        first.console("agent:kill " + moving); // moved: the copy goes on elsewhere

        String restored = second.console("agent:restore --tag v1 " + image);
        long moved = pid(RESTORED, restored);
        assertTrue(restored.contains("owner alice"), restored);
        String movedExit = second.console("agent:wait -t 60 " + moved);

        note(first, staying, "three");
        note(first, staying, "four");
        String stayedExit = first.console("agent:wait -t 60 " + staying);
        assertTrue(stayedExit.contains("code 0 (4 notes, 15 characters)"), stayedExit);
        assertEquals(stayedExit.replace("pid " + staying, ""), movedExit.replace("pid " + moved, ""),
                "the moved agent ends as the one that stayed");
        assertEquals("one\ntwo\nthree\nfour", second.console("vfs:cat /home/alice/book/notes.txt").strip(),
                "its file came along and it went on writing it");
        assertEquals(first.console("vfs:cat /home/alice/stays/notes.txt").strip(),
                second.console("vfs:cat /home/alice/book/notes.txt").strip());
        assertTrue(second.console("kernel:audit -p " + moved + " --name restore").contains("restore"),
                "the restore is audited");

        // an image that is not there, or not an image: one line with an errno, no stack trace
        UnpackedDistribution.Result missing = second.run(Duration.ofSeconds(60), "bin/agentos-console",
                "agent:restore " + first.home.resolve("images/nothing"));
        assertTrue(missing.output().contains("ENOENT"), missing.output());
        assertFalse(missing.output().contains("Exception"), missing.output());
        // agents reach images too: the bundle's system calls are in the table (it holds tool.provide)
        String tools = second.console("tool:list proc.");
        assertTrue(tools.contains("proc.checkpoint") && tools.contains("proc.restore"), tools);
    }

    @Test
    void aForkOfAnAgentWith100MiBOfMemoryCopiesItAndItsFilesAndBothGoOn() throws Exception {
        long big = pid(SPAWNED, first.console("agent:spawn -o alice -c 'fs:*:/home/alice/big/**' notebook "
                + "'{\"dir\":\"/home/alice/big\",\"limit\":2,\"ballastMiB\":100}'"));
        note(first, big, "before");
        UnpackedDistribution.waitUntil("100 MiB in its memory, a note kept, then waiting for mail",
                () -> first.console("mem:ls -n 1000 user/" + big).contains("count")
                        && first.console("agent:info " + big).contains("waiting on   ipc.recv"), Duration.ofSeconds(120));
        String forked = first.console("agent:fork " + big);
        assertTrue(forked.contains("(whole agent)"), forked);
        long copy = pid(FORKED, forked);
        assertTrue(forked.contains("/home/alice/.forks/" + copy), "says where the copy's files are: " + forked);
        String keys = first.console("mem:ls -n 1000 user/" + copy);
        assertEquals(100, keys.lines().filter(l -> l.contains("ballast-")).count(), keys);
        note(first, big, "original");
        note(first, copy, "copy");
        assertTrue(first.console("agent:wait -t 60 " + big).contains("2 notes, 14 characters"));
        assertTrue(first.console("agent:wait -t 60 " + copy).contains("2 notes, 10 characters"));
        // each wrote its own notebook: the same path, its own file
        assertEquals("before\noriginal", first.console("vfs:cat /home/alice/big/notes.txt").strip());
        assertEquals("before\ncopy", first.console("vfs:cat /home/alice/.forks/" + copy + "/home/alice/big/notes.txt").strip());
    }

    @Test
    void aProducerAndItsWorkerCheckpointedTogetherFinishOnTheSecondInstallationWithEveryJobOnce() throws Exception {
        int jobs = 3000;
        first.console("ipc:create -o alice --durable -c " + jobs + " jobs");
        long worker = pid(SPAWNED, first.console("agent:spawn -o alice -c 'ipc:*:jobs' worker "
                + "'{\"queue\":\"jobs\",\"workMs\":0,\"idleMs\":5000}'"));
        long producer = pid(SPAWNED, first.console("agent:spawn -o alice -c 'ipc:*:jobs' producer "
                + "'{\"queue\":\"jobs\",\"count\":" + jobs + "}'"));
        Path image = first.home.resolve("images/pair");
        String written = first.console("agent:checkpoint --keep-paused -o " + image + " --tag pair " + producer + " " + worker);
        assertTrue(written.contains("checkpointed 2 agents together"), written);
        assertTrue(written.contains("queues: jobs"), written);
        first.console("agent:kill " + producer);
        first.console("agent:kill " + worker);

        String restored = second.console("agent:restore --tag pair " + image);
        long producerThere = pid(Pattern.compile("as pid (\\d+) \\(producer,"), restored);
        long workerThere = pid(Pattern.compile("as pid (\\d+) \\(worker,"), restored);
        assertTrue(second.console("agent:wait -t 120 " + producerThere).contains("code 0"));
        String done = second.console("agent:wait -t 120 " + workerThere);
        assertTrue(done.contains("did " + jobs + " jobs (their numbers add up to " + ((long) jobs * (jobs + 1) / 2) + ")"),
                "every job once, none lost at the cut, none done twice: " + done);
    }
}
