package org.smimed.daemon.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Writes benchmark results as a table for people, CSV for scripts and an SVG chart. */
final class Reports {
    static final String CSV_HEADER = "workload,mode,concurrency,calls,errors,seconds,calls_per_s,"
            + "p50_us,p90_us,p99_us,p999_us,max_us,ratio_to_baseline,ops_per_s,target_rate_per_s,"
            + "p99_over_p50,send_lag_p99_us,error_reasons";

    private Reports() {
    }

    /** The daemon/baseline throughput ratio for {@code m}'s workload and concurrency. */
    static Optional<Double> ratio(Measurement m, List<Measurement> all) {
        if (m.mode() != Mode.DAEMON) {
            return Optional.empty();
        }
        return all.stream().filter(b -> b.mode() == Mode.BASELINE
                        && b.workload() == m.workload() && b.concurrency() == m.concurrency()
                        && b.operationsPerSecond() > 0)
                .findFirst().map(b -> m.operationsPerSecond() / b.operationsPerSecond());
    }

    static String csvLine(Measurement m, List<Measurement> all) {
        return String.format(Locale.ROOT,
                "%s,%s,%d,%d,%d,%.3f,%.1f,%d,%d,%d,%d,%d,%s,%.1f,%s,%.2f,%s,%s",
                m.workload(), m.mode(), m.concurrency(), m.calls(), m.errors().total(),
                m.seconds(),
                m.callsPerSecond(), m.p50(), m.p90(), m.p99(), m.p999(), m.max(),
                ratio(m, all).map(r -> String.format(Locale.ROOT, "%.3f", r)).orElse(""),
                m.operationsPerSecond(),
                m.openLoop() ? String.format(Locale.ROOT, "%.1f", m.targetRate()) : "",
                m.tailRatio(), m.openLoop() ? Long.toString(m.sendLagP99()) : "",
                m.errors().csv());
    }

    static void writeCsv(Path file, List<Measurement> all) throws IOException {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
            out.println(CSV_HEADER);
            all.forEach(m -> out.println(csvLine(m, all)));
        }
    }

    static String humanLine(Measurement m, List<Measurement> all) {
        if (m.openLoop()) {
            return openLoopLine(m);
        }
        return String.format(Locale.ROOT,
                "%-16s %-8s c=%-3d %9.1f ops/s  p50 %6d us  p90 %6d  p99 %6d  p99.9 %6d"
                        + "  errors %s%s",
                m.workload(), m.mode(), m.concurrency(), m.operationsPerSecond(), m.p50(), m.p90(),
                m.p99(), m.p999(), m.errors().text(),
                ratio(m, all).map(r -> String.format(Locale.ROOT, "  ratio %.2f", r)).orElse(""));
    }

    /**
     * An open-loop run: the scheduled rate, what was achieved, how long the tail is, and how
     * late this caller itself sent its calls (its share of the tail, not the daemon's).
     */
    static String openLoopLine(Measurement m) {
        return String.format(Locale.ROOT,
                "%-16s %-8s c=%-3d rate %.1f calls/s: achieved %.1f calls/s  p50 %6d us  p90 %6d"
                        + "  p99 %6d  p99.9 %6d  p99/p50 %.2f  errors %s  send lag p99 %d us",
                m.workload(), m.mode() == Mode.DAEMON_RATE ? "rate" : m.mode(),
                m.concurrency(), m.targetRate(), m.callsPerSecond(), m.p50(),
                m.p90(), m.p99(), m.p999(), m.tailRatio(), m.errors().text(), m.sendLagP99());
    }

    /** Throughput against concurrency, one line per closed-loop workload and mode. */
    static void writeSvg(Path file, List<Measurement> results) throws IOException {
        List<Measurement> all = results.stream().filter(m -> !m.openLoop()).toList();
        int width = 720;
        int height = 420;
        int left = 70;
        int bottom = 50;
        int top = 30;
        int right = 190;
        double maxRate = all.stream().mapToDouble(Measurement::operationsPerSecond).max()
                .orElse(1);
        List<Integer> levels = all.stream().map(Measurement::concurrency).distinct().sorted()
                .toList();
        Map<String, List<Measurement>> series = all.stream().collect(Collectors.groupingBy(
                m -> m.workload() + " " + m.mode(), TreeMap::new, Collectors.toList()));
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                width, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\">smimed throughput"
                + " (private-key operations/s) against concurrent callers</text>%n", left));
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        for (int i = 0; i < levels.size(); i++) {
            double x = left
                    + (levels.size() == 1 ? plotW / 2.0 : i * plotW / (levels.size() - 1.0));
            svg.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                    + "%d</text>%n", x, height - bottom + 18, levels.get(i)));
        }
        for (int i = 0; i <= 4; i++) {
            double y = top + plotH - i * plotH / 4.0;
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\""
                    + " stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
                    + "%.0f</text>%n",
                    left, left + plotW, y, y, left - 6, y + 4, maxRate * i / 4));
        }
        String[] colours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
            "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
        int n = 0;
        for (var entry : series.entrySet()) {
            String colour = colours[n % colours.length];
            String dash = entry.getValue().get(0).mode().token() ? " stroke-dasharray=\"6 4\""
                    : "";
            StringBuilder points = new StringBuilder();
            for (Measurement m : entry.getValue()) {
                int i = levels.indexOf(m.concurrency());
                double x = left + (levels.size() == 1 ? plotW / 2.0
                        : i * plotW / (levels.size() - 1.0));
                double y = top + plotH - m.operationsPerSecond() / maxRate * plotH;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s points=\"%s\"/>%n", colour, dash,
                    points.toString().trim()));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n",
                    width - right + 10, top + 16 * n + 10, colour, entry.getKey()));
            n++;
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
                + "concurrent callers</text>%n", left + plotW / 2, height - 10));
        svg.append("</svg>\n");
        Files.writeString(file, svg);
    }
}
