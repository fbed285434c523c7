package org.agentos.agent.dsl.shell;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.ByteBuffer;

/** Reads a workflow's source from a host path, with the errors a person understands. */
final class WorkflowFiles {
    private WorkflowFiles() {}

    static final long MAX_BYTES = 256 * 1024;

    static String read(String file) {
        Path p;
        try {
            p = Paths.get(file);
        } catch (RuntimeException e) {
            throw CommandException.of("EINVAL", "not a path: " + file);
        }
        try {
            if (Files.isDirectory(p)) throw CommandException.of("EISDIR", file + " is a directory");
            long size = Files.size(p);
            if (size > MAX_BYTES) throw CommandException.of("EFBIG", file + " has " + size + " bytes; a workflow has at most " + MAX_BYTES);
            byte[] bytes = Files.readAllBytes(p);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw CommandException.of("ENOENT", "no file " + file);
        } catch (CharacterCodingException e) {
            throw CommandException.of("EINVAL", file + " is not UTF-8 text");
        } catch (IOException e) {
            throw CommandException.of("EIO", "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The name problems are reported under: the file's own name. */
    static String name(String file) {
        Path p = Paths.get(file).getFileName();
        return p == null ? file : p.toString();
    }
}
