package org.agentos.agent.dsl.impl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;

/**
 * javac's files, all in memory: sources from strings, classes written to a map, and on the
 * class path the compiled stubs and (in Karaf) the bundles' classes beside the JDK's.
 */
final class MemoryFileManager extends ForwardingJavaFileManager<StandardJavaFileManager> {
    /** A file object that knows its binary class name. */
    interface Named {
        String binaryName();
    }

    private final ClassPath classPath;
    private final Map<String, byte[]> library;
    final Map<String, byte[]> output = new ConcurrentHashMap<>();

    /**
     * @param library compiled classes on the class path (the stubs), by binary name
     * @param classPath bundles' classes, or null: the standard manager's class path
     */
    MemoryFileManager(StandardJavaFileManager standard, ClassPath classPath, Map<String, byte[]> library) {
        super(standard);
        this.classPath = classPath;
        this.library = library;
    }

    @Override
    public Iterable<JavaFileObject> list(Location location, String packageName, Set<JavaFileObject.Kind> kinds,
                                         boolean recurse) throws IOException {
        if (location != StandardLocation.CLASS_PATH || !kinds.contains(JavaFileObject.Kind.CLASS)) {
            return super.list(location, packageName, kinds, recurse);
        }
        List<JavaFileObject> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : library.entrySet()) {
            String name = e.getKey();
            int dot = name.lastIndexOf('.');
            if (name.substring(0, Math.max(dot, 0)).equals(packageName)) out.add(new ClassBytes(name, e.getValue()));
        }
        if (classPath != null) {
            out.addAll(classPath.list(packageName));
        } else {
            for (JavaFileObject f : super.list(location, packageName, kinds, recurse)) out.add(f);
        }
        return out;
    }

    @Override
    public String inferBinaryName(Location location, JavaFileObject file) {
        if (file instanceof Named n) return n.binaryName();
        return super.inferBinaryName(location, file);
    }

    @Override
    public boolean hasLocation(Location location) {
        return location == StandardLocation.CLASS_PATH || super.hasLocation(location);
    }

    @Override
    public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                               FileObject sibling) {
        return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
            @Override
            public OutputStream openOutputStream() {
                return new ByteArrayOutputStream() {
                    @Override
                    public void close() throws IOException {
                        super.close();
                        output.put(className, toByteArray());
                    }
                };
            }
        };
    }

    @Override
    public boolean isSameFile(FileObject a, FileObject b) {
        return a.toUri().equals(b.toUri());
    }

    /** A source held in a string. */
    static JavaFileObject source(String className, String text) {
        return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }
        };
    }

    /** A compiled class held in memory. */
    static final class ClassBytes extends SimpleJavaFileObject implements Named {
        private final String binaryName;
        private final byte[] bytes;

        ClassBytes(String binaryName, byte[] bytes) {
            super(URI.create("mem:///" + binaryName.replace('.', '/') + ".class"), Kind.CLASS);
            this.binaryName = binaryName;
            this.bytes = bytes;
        }

        @Override
        public String binaryName() {
            return binaryName;
        }

        @Override
        public InputStream openInputStream() {
            return new ByteArrayInputStream(bytes);
        }
    }
}
