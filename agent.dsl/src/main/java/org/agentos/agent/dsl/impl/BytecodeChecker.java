package org.agentos.agent.dsl.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agentos.agent.dsl.Problem;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The allow-list checked again on what javac produced, so that nothing the compiler adds (or
 * the source check missed) escapes it: every class named by an instruction, every method and
 * field used, supertypes, caught types, static fields, and the bootstrap of every invokedynamic
 * (lambdas, string concatenation and records' methods only). Reports the source line.
 */
final class BytecodeChecker {
    /** The bootstraps javac emits for the Java a workflow may use. */
    private static final Set<String> BOOTSTRAPS = Set.of(
            "java/lang/invoke/LambdaMetafactory.metafactory", "java/lang/invoke/LambdaMetafactory.altMetafactory",
            "java/lang/invoke/StringConcatFactory.makeConcatWithConstants",
            "java/lang/invoke/StringConcatFactory.makeConcat", "java/lang/runtime/ObjectMethods.bootstrap");

    private BytecodeChecker() {}

    static List<Problem> check(String file, Map<String, byte[]> classes) {
        List<Problem> out = new ArrayList<>();
        for (byte[] bytes : classes.values()) {
            new ClassReader(bytes).accept(new Checker(file, classes, out), 0);
        }
        return out;
    }

    private static final class Checker extends ClassVisitor {
        private final String file;
        private final Map<String, byte[]> own;
        private final List<Problem> out;

        Checker(String file, Map<String, byte[]> own, List<Problem> out) {
            super(Opcodes.ASM9);
            this.file = file;
            this.own = own;
            this.out = out;
        }

        void refuse(long line, String message) {
            Problem p = new Problem(file, line, 0, "refused", message + " (in the compiled code)");
            if (!out.contains(p)) out.add(p);
        }

        boolean isOwn(String internalName) {
            return own.containsKey(internalName.replace('/', '.'));
        }

        void type(long line, String internalName) {
            String n = internalName;
            while (n.startsWith("[")) n = n.substring(1);
            if (n.startsWith("L") && n.endsWith(";")) n = n.substring(1, n.length() - 1);
            if (n.length() == 1) return; // a primitive array
            if (!isOwn(n) && !AllowList.allowsClass(n.replace('/', '.'))) {
                refuse(line, AllowList.refusesClass(n.replace('/', '.')));
            }
        }

        void member(long line, String owner, String name) {
            String why = AllowList.refusesMember(owner.replace('/', '.'), name);
            if (why != null) refuse(line, why);
            else if (!owner.startsWith("[")) type(line, owner);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            if (superName != null) type(0, superName);
            if (interfaces != null) for (String i : interfaces) type(0, i);
        }

        @Override
        public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
            if ((access & Opcodes.ACC_STATIC) != 0 && (access & Opcodes.ACC_FINAL) == 0
                    && (access & Opcodes.ACC_SYNTHETIC) == 0) {
                refuse(0, "static field " + name + " must be final: a workflow keeps nothing from one run to the next");
            }
            return null;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            if ((access & Opcodes.ACC_NATIVE) != 0) refuse(0, "native method " + name);
            return new MethodVisitor(Opcodes.ASM9) {
                long line;
                final List<Object[]> handlers = new ArrayList<>();

                @Override
                public void visitLineNumber(int l, Label start) {
                    line = l;
                }

                @Override
                public void visitTypeInsn(int opcode, String type) {
                    type(line, type);
                }

                @Override
                public void visitFieldInsn(int opcode, String owner, String field, String desc) {
                    member(line, owner, field);
                }

                @Override
                public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                    member(line, owner, method);
                }

                @Override
                public void visitLdcInsn(Object value) {
                    if (value instanceof Type t && t.getSort() == Type.OBJECT && !isOwn(t.getInternalName())) {
                        refuse(line, "class literals are reflection, which is not available to workflows");
                    } else if (value instanceof Handle h) {
                        member(line, h.getOwner(), h.getName());
                    } else if (value instanceof org.objectweb.asm.ConstantDynamic) {
                        refuse(line, "dynamic constants are not available to workflows");
                    }
                }

                @Override
                public void visitInvokeDynamicInsn(String n, String desc, Handle bsm, Object... args) {
                    if (!BOOTSTRAPS.contains(bsm.getOwner() + "." + bsm.getName())) {
                        refuse(line, "invokedynamic with " + bsm.getOwner().replace('/', '.') + "." + bsm.getName());
                    }
                    for (Object a : args) {
                        if (a instanceof Handle h) member(line, h.getOwner(), h.getName());
                    }
                }

                @Override
                public void visitMultiANewArrayInsn(String desc, int dims) {
                    type(line, desc);
                }

                @Override
                public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
                    if (type != null) handlers.add(new Object[] {type});
                }

                @Override
                public void visitEnd() {
                    for (Object[] h : handlers) {
                        String t = ((String) h[0]).replace('/', '.');
                        // javac compiles try-with-resources to a catch of Throwable that closes and
                        // rethrows; a catch written in the source was refused by the source check
                        if (t.equals("java.lang.Throwable")) continue;
                        if (!AllowList.catchable(t)) refuse(0, "a workflow may not catch " + t);
                        else type(0, (String) h[0]);
                    }
                }
            };
        }
    }
}
