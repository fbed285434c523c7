package org.agentos.vfs.versioned.shell;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "vfs", name = "cat", description = "Prints a file of the agent filesystem, the latest version or an older one.")
public class CatCommand implements Action {
    private static final int MAX = 1 << 20;

    @Reference
    FileSystem fs;

    @Argument(index = 0, name = "path", required = true, description = "file")
    @Completion(PathCompleter.class)
    String path;

    @Option(name = "-v", aliases = "--version", description = "version number (default: the latest)")
    long version;

    @Override
    public Object execute() {
        try (InputStream in = fs.read(Console.operator("vfs:cat"), path, version)) {
            byte[] bytes = in.readNBytes(MAX);
            boolean more = in.read() >= 0;
            try {
                System.out.print(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)));
            } catch (CharacterCodingException binary) {
                System.out.println("(binary content, " + bytes.length + (more ? "+" : "") + " bytes)");
                return null;
            }
            if (more) System.out.println("\n... (only the first " + MAX + " bytes shown)");
            return null;
        } catch (SyscallException e) {
            throw Console.error(e);
        } catch (IOException e) {
            throw Console.error(new SyscallException(Errno.EIO, "reading " + path + ": " + e.getMessage()));
        }
    }
}
