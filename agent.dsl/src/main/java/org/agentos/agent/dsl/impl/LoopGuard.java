package org.agentos.agent.dsl.impl;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Inserts {@code WorkflowGuard.tick()} into a checked workflow's classes: at the start of every
 * method (recursion) and before every backward jump (loops). Java threads cannot be stopped from
 * outside; this is how a workflow that spins without a syscall ends once the kernel's watchdog
 * ended its process (the runtime interrupts its thread). The call is stack-neutral, so frames and
 * maximum stack sizes stay as javac wrote them.
 */
final class LoopGuard {
    private static final String GUARD = "org/agentos/agent/dsl/WorkflowGuard";

    private LoopGuard() {}

    static Map<String, byte[]> instrument(Map<String, byte[]> classes) {
        Map<String, byte[]> out = new HashMap<>();
        classes.forEach((name, bytes) -> {
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, 0);
            reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
                @Override
                public MethodVisitor visitMethod(int access, String method, String desc, String sig, String[] exceptions) {
                    MethodVisitor mv = super.visitMethod(access, method, desc, sig, exceptions);
                    if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) return mv;
                    return new MethodVisitor(Opcodes.ASM9, mv) {
                        private final Set<Label> seen = new HashSet<>();

                        @Override
                        public void visitCode() {
                            super.visitCode();
                            tick();
                        }

                        @Override
                        public void visitLabel(Label label) {
                            super.visitLabel(label);
                            seen.add(label);
                        }

                        @Override
                        public void visitJumpInsn(int opcode, Label label) {
                            if (seen.contains(label)) tick(); // a backward jump: a loop
                            super.visitJumpInsn(opcode, label);
                        }

                        private void tick() {
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, GUARD, "tick", "()V", false);
                        }
                    };
                }
            }, 0);
            out.put(name, writer.toByteArray());
        });
        return out;
    }
}
