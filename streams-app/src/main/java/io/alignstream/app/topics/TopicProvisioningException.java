package io.alignstream.app.topics;

/** The service's topics could not be checked or created; the message says which and why. */
public class TopicProvisioningException extends RuntimeException {
    public TopicProvisioningException(String message) {
        super(message);
    }

    public TopicProvisioningException(String message, Throwable cause) {
        super(message, cause);
    }
}
