package org.agentos.agent.dsl.shell;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.ByteBuffer;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.syscall.SyscallException;

/** Reads a workflow's source from a host path, with the errors a person understands. */
final class WorkflowFiles {
    private WorkflowFiles() {}

    static final long MAX_BYTES = 256 * 1024;

    /**
     * The source at {@code file}: a host path, or {@code vfs:/home/<owner>/...} in the agents'
     * filesystem, read as the console user {@code user} (operator rights; the commands that read
     * are administrators').
     */
    static String read(String file, FileSystem fs, String user, String command) {
        if (!file.startsWith("vfs:")) return read(file);
        if (fs == null) throw CommandException.of("ENOSYS", "the agent filesystem is not installed (feature agentos-vfs)");
        try (InputStream in = fs.read(FsCaller.operator(user, command), file.substring(4), 0)) {
            byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) throw CommandException.of("EFBIG", file + " has more than " + MAX_BYTES + " bytes");
            return utf8(bytes);
        } catch (SyscallException e) {
            throw CommandException.of(e);
        } catch (CharacterCodingException e) {
            throw CommandException.of("EINVAL", file + " is not UTF-8 text");
        } catch (IOException e) {
            throw CommandException.of("EIO", "cannot read " + file + ": " + e.getMessage());
        }
    }

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
            return utf8(bytes);
        } catch (NoSuchFileException e) {
            throw CommandException.of("ENOENT", "no file " + file);
        } catch (CharacterCodingException e) {
            throw CommandException.of("EINVAL", file + " is not UTF-8 text");
        } catch (IOException e) {
            throw CommandException.of("EIO", "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Strict UTF-8: a source that is not text is refused rather than read with replacement characters. */
    private static String utf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    /** The name problems are reported under: the file's own name. */
    static String name(String file) {
        String path = file.startsWith("vfs:") ? file.substring(4) : file;
        int slash = path.lastIndexOf('/');
        return slash >= 0 && slash < path.length() - 1 ? path.substring(slash + 1) : path;
    }

    /** The console user running the command (Karaf's JAAS subject), or "karaf" outside a login. */
    static String user() {
        @SuppressWarnings("removal")
        javax.security.auth.Subject s = javax.security.auth.Subject.getSubject(java.security.AccessController.getContext());
        if (s != null) {
            for (java.security.Principal p : s.getPrincipals()) {
                if (p.getClass().getSimpleName().equals("UserPrincipal")) return p.getName();
            }
        }
        return "karaf";
    }
}
