package io.alignstream.monitoring;

import io.alignstream.monitoring.quality.QualityFigures;
import java.util.Objects;
import java.util.Optional;

/** Where a closed window's figures go besides the report topic (Prometheus gauges). */
public interface QualityExport {

    /**
     * @param window    {@code count} or {@code time} ({@code QualityMetricNames.WINDOW_*})
     * @param reference the reference window's own figures, when there is a reference
     */
    void windowClosed(String window, QualityFigures figures, Optional<QualityFigures> reference, long windowEndMs);

    static QualityExport none() {
        return (window, figures, reference, end) -> { };
    }

    /**
     * Hands every closed window to {@code first}, then to {@code second} (also when {@code first}
     * throws; its exception is rethrown afterwards, and the window processor logs it).
     */
    static QualityExport both(QualityExport first, QualityExport second) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        return (window, figures, reference, end) -> {
            try {
                first.windowClosed(window, figures, reference, end);
            } finally {
                second.windowClosed(window, figures, reference, end);
            }
        };
    }
}
