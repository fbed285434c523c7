package org.agentos.kernel.api.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.annotation.bundle.Attribute;
import org.osgi.annotation.bundle.Requirement;

/**
 * Declares the kernel permissions a bundle needs, e.g. {@code @RequiresPermission("tool.provide")}
 * on one of its classes. bnd turns it into
 * {@code Require-Capability: agentos.permission;agentos.permission:List<String>="tool.provide";filter:="(agentos.permission=*)";effective:=active},
 * which the framework's resolver ignores (it is not {@code effective:=resolve}); Karaf's feature
 * resolver wires it to the kernel bundle's capability in the same namespace. The kernel reads it
 * from the bundle's revision and an administrator grants it. See {@link KernelPermission}.
 */
// The filter matches the kernel's capability in this namespace: Karaf's feature resolver treats
// every requirement as effective, and without a filter it would match the attribute lists exactly.
@Requirement(namespace = KernelPermission.NAMESPACE, filter = "(" + KernelPermission.ATTRIBUTE + "=*)", effective = "active")
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.PACKAGE})
public @interface RequiresPermission {
    /** The permission names, e.g. {@link KernelPermission#TOOL_PROVIDE}. */
    @Attribute(KernelPermission.ATTRIBUTE)
    String[] value();
}
