/**
 * Model bundles (docs/model-bundle.md): read from the classpath, a directory or a zip, and
 * validated completely at startup so that a bad bundle never fails at inference time.
 */
package io.alignstream.runtime.bundle;
