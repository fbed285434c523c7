package org.agentos.kernel.api.image;

import java.util.Objects;

/** One agent of a group image: what the kernel keeps of it, and its memory. */
public record MemberImage(ProcessImage image, Iterable<MemoryImageEntry> memory) {
    public MemberImage {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(memory, "memory");
    }
}
