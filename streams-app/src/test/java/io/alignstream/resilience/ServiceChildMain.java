package io.alignstream.resilience;

import io.alignstream.app.AlignstreamService;
import io.alignstream.embedded.ChildJvm;

/**
 * The service's main as a child of a test JVM: the same {@link AlignstreamService#main}, plus the
 * watch that ends the child when the test JVM is gone (even killed), so no service outlives its test.
 */
public final class ServiceChildMain {

    private ServiceChildMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ChildJvm.exitWhenParentDies("alignstream");
        AlignstreamService.main(args);
    }
}
