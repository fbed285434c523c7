package org.agentos.agent.dsl.impl;

import com.sun.source.tree.BreakTree;
import com.sun.source.tree.CatchTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ContinueTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberReferenceTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.ThrowTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;
import org.agentos.agent.dsl.Problem;

/**
 * The allow-list checked on the source, after javac attributed it: every class, method and field
 * a workflow names, what it extends, catches and keeps in static fields. Also collects its tool
 * calls with their literal arguments (for the capability check) and its {@code run} method.
 */
final class SourceChecker extends TreePathScanner<Void, Void> {
    /** A tool call in the source, with the arguments that are string constants, by JSON name. */
    record ToolUse(String tool, long line, long column, Map<String, String> literals) {}

    private final Trees trees;
    private final Elements elements;
    private final CompilationUnitTree unit;
    private final String file;
    private final StubGenerator.StubSet stubs;
    private final Set<String> own = new HashSet<>();
    final List<Problem> problems = new ArrayList<>();
    final List<ToolUse> uses = new ArrayList<>();
    /** The public top-level class, its binary name; and the run method's input type. */
    String mainClass;
    String inputType;

    SourceChecker(Trees trees, Elements elements, CompilationUnitTree unit, String file, StubGenerator.StubSet stubs) {
        this.trees = trees;
        this.elements = elements;
        this.unit = unit;
        this.file = file;
        this.stubs = stubs;
    }

    void check() {
        for (Tree t : unit.getTypeDecls()) {
            if (t instanceof ClassTree c) {
                Element e = trees.getElement(TreePath.getPath(unit, c));
                if (e instanceof TypeElement te) {
                    own.add(te.getQualifiedName().toString());
                    if (te.getModifiers().contains(Modifier.PUBLIC)) {
                        mainClass = elements.getBinaryName(te).toString();
                        contract(te, c);
                    }
                }
            }
        }
        if (mainClass == null) {
            problems.add(new Problem(file, 1, 1, "contract", "a workflow has one public class, with a method "
                    + "public String run(Tools tools, <Input> input)"));
        }
        scan(unit, null);
    }

    private void contract(TypeElement te, ClassTree tree) {
        for (Element m : te.getEnclosedElements()) {
            if (m.getKind() == ElementKind.METHOD && m.getSimpleName().contentEquals("run")) {
                ExecutableElement run = (ExecutableElement) m;
                var ps = run.getParameters();
                if (run.getModifiers().contains(Modifier.PUBLIC) && !run.getModifiers().contains(Modifier.STATIC)
                        && ps.size() == 2 && binary(ps.get(0).asType()).equals(StubGenerator.TOOLS)
                        && binary(run.getReturnType()).equals("java.lang.String")) {
                    inputType = binary(ps.get(1).asType());
                }
            }
        }
        if (inputType == null) {
            report(tree, "contract", te.getSimpleName() + " has no method public String run(Tools tools, <Input> input)"
                    + " (Input: JsonNode, or a record the spawn arguments are converted to)");
        } else if (!inputType.equals("com.fasterxml.jackson.databind.JsonNode") && !isOwn(inputType)) {
            report(tree, "contract", "run's input is JsonNode or a record of the workflow, not " + inputType);
            inputType = null;
        }
    }

    private String binary(TypeMirror t) {
        if (t instanceof DeclaredType d && d.asElement() instanceof TypeElement te) {
            return elements.getBinaryName(te).toString();
        }
        return t.toString();
    }

    private boolean isOwn(String qualifiedOrBinary) {
        for (String o : own) {
            if (qualifiedOrBinary.equals(o) || qualifiedOrBinary.startsWith(o + "$") || qualifiedOrBinary.startsWith(o + ".")) {
                return true;
            }
        }
        return false;
    }

    private void report(Tree tree, String kind, String message) {
        long pos = trees.getSourcePositions().getStartPosition(unit, tree);
        long line = pos < 0 ? 0 : unit.getLineMap().getLineNumber(pos);
        long col = pos < 0 ? 0 : unit.getLineMap().getColumnNumber(pos);
        Problem p = new Problem(file, line, col, kind, message);
        if (!problems.contains(p)) problems.add(p);
    }

    /** Refuses {@code e} at {@code tree} when a workflow may not use it. */
    private void use(Element e, Tree tree) {
        if (e == null || e.asType().getKind() == javax.lang.model.type.TypeKind.ERROR) return; // javac reported it
        if (e.getEnclosingElement() != null && e.getEnclosingElement().asType().getKind() == javax.lang.model.type.TypeKind.ERROR) {
            return;
        }
        switch (e.getKind()) {
            case PACKAGE, LOCAL_VARIABLE, PARAMETER, EXCEPTION_PARAMETER, RESOURCE_VARIABLE, TYPE_PARAMETER,
                    BINDING_VARIABLE, OTHER -> {
                return;
            }
            default -> {
            }
        }
        if (e instanceof TypeElement te) {
            String name = elements.getBinaryName(te).toString();
            if (!isOwn(te.getQualifiedName().toString()) && !AllowList.allowsClass(name)) {
                report(tree, "refused", AllowList.refusesClass(name));
            }
            return;
        }
        Element owner = e.getEnclosingElement();
        if (!(owner instanceof TypeElement te)) return;
        String ownerName = elements.getBinaryName(te).toString();
        String member = e.getSimpleName().toString();
        String why = AllowList.refusesMember(ownerName, member);
        if (why != null) {
            report(tree, "refused", why);
        } else if (!isOwn(te.getQualifiedName().toString()) && !AllowList.allowsClass(ownerName)) {
            report(tree, "refused", AllowList.refusesClass(ownerName));
        }
    }

    @Override
    public Void visitIdentifier(IdentifierTree node, Void v) {
        use(trees.getElement(getCurrentPath()), node);
        return super.visitIdentifier(node, v);
    }

    @Override
    public Void visitMemberSelect(MemberSelectTree node, Void v) {
        if (node.getIdentifier().contentEquals("class")) {
            report(node, "refused", "class literals are reflection, which is not available to workflows");
        } else {
            use(trees.getElement(getCurrentPath()), node);
        }
        return super.visitMemberSelect(node, v);
    }

    @Override
    public Void visitMemberReference(MemberReferenceTree node, Void v) {
        use(trees.getElement(getCurrentPath()), node);
        return super.visitMemberReference(node, v);
    }

    @Override
    public Void visitNewClass(NewClassTree node, Void v) {
        use(trees.getElement(getCurrentPath()), node);
        return super.visitNewClass(node, v);
    }

    @Override
    public Void visitClass(ClassTree node, Void v) {
        Element e = trees.getElement(getCurrentPath());
        if (e instanceof TypeElement te) {
            check(te.getSuperclass(), node);
            for (TypeMirror i : te.getInterfaces()) check(i, node);
        }
        for (Tree m : node.getMembers()) {
            if (m instanceof VariableTree f && f.getModifiers().getFlags().contains(Modifier.STATIC)
                    && !f.getModifiers().getFlags().contains(Modifier.FINAL)) {
                report(f, "refused", "static field " + f.getName() + " must be final: a workflow keeps nothing from "
                        + "one run to the next (it runs again on replay)");
            }
        }
        return super.visitClass(node, v);
    }

    private void check(TypeMirror t, Tree at) {
        if (t instanceof DeclaredType d && d.asElement() instanceof TypeElement te) use(te, at);
    }

    @Override
    public Void visitCatch(CatchTree node, Void v) {
        TypeMirror t = trees.getTypeMirror(new TreePath(getCurrentPath(), node.getParameter()));
        for (String name : caught(t)) {
            if (!AllowList.catchable(name)) {
                report(node.getParameter(), "refused", "a workflow may not catch " + name + ": the runtime stops and "
                        + "rebuilds agent code with an Error that must pass through (catch Exception or SyscallFailure)");
            }
        }
        return super.visitCatch(node, v);
    }

    private List<String> caught(TypeMirror t) {
        List<String> out = new ArrayList<>();
        if (t instanceof javax.lang.model.type.UnionType u) {
            for (TypeMirror a : u.getAlternatives()) out.add(binary(a));
        } else if (t != null) {
            out.add(binary(t));
        }
        return out;
    }

    @Override
    public Void visitTry(TryTree node, Void v) {
        if (node.getFinallyBlock() != null) {
            new TreeScanner<Void, Void>() {
                @Override
                public Void scan(Tree t, Void x) {
                    if (t instanceof ReturnTree || t instanceof ThrowTree || t instanceof BreakTree
                            || t instanceof ContinueTree) {
                        abrupt(t);
                    } else if (!(t instanceof LambdaExpressionTree || t instanceof ClassTree || t instanceof MethodTree)) {
                        super.scan(t, x); // a lambda, class or method has its own body
                    }
                    return null;
                }
            }.scan(node.getFinallyBlock(), null);
        }
        return super.visitTry(node, v);
    }

    private void abrupt(Tree t) {
        report(t, "refused", "a finally block may not return, throw, break or continue: it would swallow the Error "
                + "the runtime stops agent code with");
    }

    @Override
    public Void visitMethodInvocation(MethodInvocationTree node, Void v) {
        Element e = trees.getElement(getCurrentPath());
        if (e instanceof ExecutableElement m && m.getEnclosingElement() instanceof TypeElement te
                && elements.getBinaryName(te).contentEquals(StubGenerator.TOOLS)) {
            StubGenerator.Stub stub = stubs.byMethod().get(m.getSimpleName().toString());
            if (stub != null) {
                Map<String, String> literals = new LinkedHashMap<>();
                List<? extends ExpressionTree> args = node.getArguments();
                for (int i = 0; i < stub.params().size() && i < args.size(); i++) {
                    String constant = constant(args.get(i));
                    if (constant != null) literals.put(stub.params().get(i), constant);
                }
                long pos = trees.getSourcePositions().getStartPosition(unit, node);
                uses.add(new ToolUse(stub.descriptor().name(), unit.getLineMap().getLineNumber(pos),
                        unit.getLineMap().getColumnNumber(pos), literals));
            }
        }
        return super.visitMethodInvocation(node, v);
    }

    /** The value of a string constant: a literal, or a constant variable. */
    private String constant(ExpressionTree t) {
        if (t instanceof LiteralTree l) return l.getValue() instanceof String s ? s : null;
        Element e = trees.getElement(new TreePath(getCurrentPath(), t));
        if (e instanceof VariableElement ve && ve.getConstantValue() instanceof String s) return s;
        return null;
    }
}
