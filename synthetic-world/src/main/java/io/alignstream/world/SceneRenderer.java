package io.alignstream.world;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/** Draws a {@link Scene} into a 64x64 RGB image: texture, objects, then per-pixel noise. */
public final class SceneRenderer {

    /** Standard deviation of the per-channel Gaussian pixel noise, in 0..255 units. */
    private static final double PIXEL_NOISE = 6.0;

    public RgbImage render(Scene scene) {
        int size = SyntheticWorld.IMAGE_SIZE;
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(new Color(scene.backgroundRgb()));
            g.fillRect(0, 0, size, size);
            g.setColor(new Color(scene.textureRgb()));
            drawTexture(g, scene, size);
            drawObject(g, scene.primary());
            scene.second().ifPresent(second -> drawObject(g, second));
        } finally {
            g.dispose();
        }
        addNoise(image, scene.noiseSeed());
        return RgbImage.from(image);
    }

    private static void drawTexture(Graphics2D g, Scene scene, int size) {
        double period = scene.texturePeriod();
        double phase = scene.texturePhase();
        switch (scene.background()) {
            case PLAIN -> {
                // Only the pixel noise: the "no texture" value of the distractor.
            }
            case STRIPES -> {
                g.setStroke(new BasicStroke((float) (period / 2.5)));
                for (double offset = -size + phase % period; offset < 2 * size; offset += period) {
                    g.draw(new Line2D.Double(offset, 0, offset + size, size));
                }
            }
            case DOTS -> {
                double radius = period / 5;
                for (double y = phase % period; y < size + period; y += period) {
                    for (double x = (phase * 0.7) % period; x < size + period; x += period) {
                        g.fill(new Ellipse2D.Double(x - radius, y - radius, 2 * radius, 2 * radius));
                    }
                }
            }
            case GRID -> {
                g.setStroke(new BasicStroke(1.3f));
                for (double offset = phase % period; offset < size; offset += period) {
                    g.draw(new Line2D.Double(offset, 0, offset, size));
                    g.draw(new Line2D.Double(0, offset, size, offset));
                }
            }
            case WAVES -> {
                g.setStroke(new BasicStroke(1.6f));
                for (double base = phase % period - period; base < size + period; base += period) {
                    Path2D.Double wave = new Path2D.Double();
                    wave.moveTo(0, base);
                    for (int x = 1; x <= size; x++) {
                        wave.lineTo(x, base + 2.5 * Math.sin(2 * Math.PI * x / 14.0 + phase));
                    }
                    g.draw(wave);
                }
            }
            case BRICKS -> {
                g.setStroke(new BasicStroke(1.3f));
                double rowHeight = period * 0.8;
                double brickWidth = period * 1.8;
                int row = 0;
                for (double y = phase % rowHeight; y < size; y += rowHeight, row++) {
                    g.draw(new Line2D.Double(0, y, size, y));
                    double shift = (row % 2) * brickWidth / 2;
                    for (double x = shift - brickWidth; x < size; x += brickWidth) {
                        g.draw(new Line2D.Double(x, y, x, y + rowHeight));
                    }
                }
            }
            default -> throw new IllegalStateException("unknown background " + scene.background());
        }
    }

    private static void drawObject(Graphics2D g, SceneObject object) {
        AffineTransform placement = new AffineTransform();
        placement.translate(object.centerX(), object.centerY());
        placement.rotate(object.rotation());
        placement.scale(object.radius(), object.radius());
        g.setColor(new Color(object.rgb()));
        g.fill(new Area(unitShape(object.shape())).createTransformedArea(placement));
    }

    /** The shape outline inside the unit circle, centred on the origin, y pointing down. */
    static java.awt.Shape unitShape(Shape shape) {
        return switch (shape) {
            case CIRCLE -> new Ellipse2D.Double(-1, -1, 2, 2);
            case SQUARE -> polygon(new double[] {-0.78, 0.78, 0.78, -0.78}, new double[] {-0.78, -0.78, 0.78, 0.78});
            case TRIANGLE -> regular(3, 1.0, 0.0);
            case STAR -> star(5, 1.0, 0.45);
            case CROSS -> polygon(
                    new double[] {-0.3, 0.3, 0.3, 1, 1, 0.3, 0.3, -0.3, -0.3, -1, -1, -0.3},
                    new double[] {-1, -1, -0.3, -0.3, 0.3, 0.3, 1, 1, 0.3, 0.3, -0.3, -0.3});
            case DIAMOND -> polygon(new double[] {0, 0.65, 0, -0.65}, new double[] {-1, 0, 1, 0});
            case HEART -> heart();
            case MOON -> {
                Area moon = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                moon.subtract(new Area(new Ellipse2D.Double(-0.45, -0.95, 1.8, 1.8)));
                yield moon;
            }
        };
    }

    private static Path2D polygon(double[] xs, double[] ys) {
        Path2D.Double path = new Path2D.Double();
        path.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) {
            path.lineTo(xs[i], ys[i]);
        }
        path.closePath();
        return path;
    }

    private static Path2D regular(int corners, double radius, double offset) {
        double[] xs = new double[corners];
        double[] ys = new double[corners];
        for (int i = 0; i < corners; i++) {
            double angle = -Math.PI / 2 + offset + 2 * Math.PI * i / corners;
            xs[i] = radius * Math.cos(angle);
            ys[i] = radius * Math.sin(angle) + 0.15;
        }
        return polygon(xs, ys);
    }

    private static Path2D star(int points, double outer, double inner) {
        double[] xs = new double[2 * points];
        double[] ys = new double[2 * points];
        for (int i = 0; i < 2 * points; i++) {
            double radius = i % 2 == 0 ? outer : inner;
            double angle = -Math.PI / 2 + Math.PI * i / points;
            xs[i] = radius * Math.cos(angle);
            ys[i] = radius * Math.sin(angle);
        }
        return polygon(xs, ys);
    }

    /** The classic parametric heart curve, scaled into the unit circle. */
    private static Path2D heart() {
        int steps = 48;
        double[] xs = new double[steps];
        double[] ys = new double[steps];
        for (int i = 0; i < steps; i++) {
            double t = 2 * Math.PI * i / steps;
            double x = 16 * Math.pow(Math.sin(t), 3);
            double y = 13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t);
            xs[i] = x / 17.0;
            ys[i] = -(y + 3) / 17.0;
        }
        return polygon(xs, ys);
    }

    private static void addNoise(BufferedImage image, long noiseSeed) {
        SplittableRandom random = new SplittableRandom(noiseSeed);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int red = (int) Math.round(((rgb >> 16) & 0xFF) + PIXEL_NOISE * random.nextGaussian());
                int green = (int) Math.round(((rgb >> 8) & 0xFF) + PIXEL_NOISE * random.nextGaussian());
                int blue = (int) Math.round((rgb & 0xFF) + PIXEL_NOISE * random.nextGaussian());
                image.setRGB(x, y, SyntheticWorld.rgb(red, green, blue));
            }
        }
    }
}
