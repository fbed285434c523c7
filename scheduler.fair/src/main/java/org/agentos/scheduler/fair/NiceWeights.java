package org.agentos.scheduler.fair;

/**
 * Nice value to scheduling weight, as in Linux's CFS ({@code sched_prio_to_weight}): each step
 * of niceness is about 1.25x the CPU share, nice 0 is 1024.
 */
final class NiceWeights {
    private static final int[] WEIGHTS = {
        /* -20 */ 88761, 71755, 56483, 46273, 36291,
        /* -15 */ 29154, 23254, 18705, 14949, 11916,
        /* -10 */ 9548, 7620, 6100, 4904, 3906,
        /*  -5 */ 3121, 2501, 1991, 1586, 1277,
        /*   0 */ 1024, 820, 655, 526, 423,
        /*   5 */ 335, 272, 215, 172, 137,
        /*  10 */ 110, 87, 70, 56, 45,
        /*  15 */ 36, 29, 23, 18, 15,
    };

    static final int NICE_0 = 1024;

    private NiceWeights() {}

    /** The weight of {@code nice}, clamped to -20..19. */
    static int of(int nice) {
        return WEIGHTS[Math.max(-20, Math.min(19, nice)) + 20];
    }
}
