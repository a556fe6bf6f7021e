package dev.profilemate.kernel.ncu;

import dev.profilemate.common.GpuCatalogue;
import dev.profilemate.common.Num;
import dev.profilemate.kernel.category.CategoryRules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-launch and per-kernel bandwidth, compute throughput and roofline position from an ncu CSV. */
public final class NcuAnalyzer {
  static final double LATENCY_BELOW_PCT = 60.0;
  private static final String[][] FLOP_OPS = {
    {"fadd", "1"}, {"fmul", "1"}, {"ffma", "2"}, {"hadd", "1"}, {"hmul", "1"}, {"hfma", "2"}, {"dadd", "1"}, {"dmul", "1"}, {"dfma", "2"}
  };

  private final CategoryRules rules;
  private final GpuCatalogue peaks;
  private final String gpuOverride;

  /** {@code gpuOverride}: a device name to look up in the peak table instead of the one in the CSV (may be null). */
  public NcuAnalyzer(CategoryRules rules, GpuCatalogue peaks, String gpuOverride) {
    this.rules = rules;
    this.peaks = peaks;
    this.gpuOverride = gpuOverride;
  }

  public NcuReport analyze(Path file) {
    NcuCsvReader.Result read = NcuCsvReader.read(file);
    List<NcuLaunch> launches = read.launches();
    NcuReport.Gpu gpu = gpu(launches);
    List<NcuReport.LaunchRow> rows = new ArrayList<>();
    for (NcuLaunch l : launches) {
      rows.add(launch(l, gpu));
    }
    double total = 0;
    for (NcuReport.LaunchRow r : rows) {
      total += r.durationNs() == null ? 0 : r.durationNs();
    }
    List<NcuReport.KernelRow> kernels = byName(rows, gpu, total);
    Map<String, double[]> bounds = new LinkedHashMap<>();
    for (String b : List.of("memory", "compute", "latency", "unknown")) {
      bounds.put(b, new double[2]);
    }
    for (NcuReport.LaunchRow r : rows) {
      double[] a = bounds.get(r.bound());
      a[0]++;
      a[1] += r.durationNs() == null ? 0 : r.durationNs();
    }
    List<NcuReport.BoundShare> shares = new ArrayList<>();
    for (Map.Entry<String, double[]> e : bounds.entrySet()) {
      shares.add(new NcuReport.BoundShare(e.getKey(), (long) e.getValue()[0], Num.round(e.getValue()[1], 1), Num.pct(e.getValue()[1], total)));
    }
    return new NcuReport(NcuReport.SCHEMA,
        new NcuReport.Source(file.getFileName().toString(), read.page(), read.skippedLines(), rows.size()),
        gpu, new NcuReport.Summary(rows.size(), Num.round(total, 1), shares), kernels, rows);
  }

  private NcuReport.Gpu gpu(List<NcuLaunch> launches) {
    String name = gpuOverride;
    Double counterPeak = null;
    for (NcuLaunch l : launches) {
      if (name == null && l.deviceName() != null && !l.deviceName().isBlank()) {
        name = l.deviceName();
      }
      Double perCycle = l.metric("dram__bytes.sum.peak_sustained");
      Double clock = l.metric("dram__cycles_elapsed.avg.per_second");
      if (perCycle != null && clock != null && perCycle > 0 && clock > 0 && (counterPeak == null || perCycle * clock > counterPeak)) {
        counterPeak = perCycle * clock; // the highest DRAM clock ncu saw
      }
    }
    GpuCatalogue.Gpu p = peaks.match(name).orElse(null);
    Double bw = p != null ? Double.valueOf(Math.round(p.memoryBandwidthGbps() * 1e9)) : counterPeak;
    // "datasheet" for the built-in catalogue, the file's path for a --gpu-peaks entry
    String bwSource = p != null ? ("built-in".equals(p.from()) ? "datasheet" : p.from()) : counterPeak != null ? "ncu-counters" : null;
    Double tensor = p != null ? Double.valueOf(Math.round(p.bf16Tflops() * 1e12)) : null;
    Double fp32 = p != null && !Double.isNaN(p.fp32Tflops()) ? Double.valueOf(Math.round(p.fp32Tflops() * 1e12)) : null;
    return new NcuReport.Gpu(name, p == null ? null : p.name(), bw, bwSource, counterPeak == null ? null : Num.round(counterPeak, 0),
        tensor, fp32, ratio(tensor, bw), ratio(fp32, bw));
  }

  private static Double ratio(Double a, Double b) {
    return a == null || b == null || b == 0 ? null : Num.round(a / b, 3);
  }

  private NcuReport.LaunchRow launch(NcuLaunch l, NcuReport.Gpu gpu) {
    Double dur = l.metric("gpu__time_duration.sum");
    Double bytes = l.metric("dram__bytes.sum");
    if (bytes == null && l.metric("dram__bytes_read.sum") != null) {
      Double w = l.metric("dram__bytes_write.sum");
      bytes = l.metric("dram__bytes_read.sum") + (w == null ? 0 : w);
    }
    Double bps = l.metric("dram__bytes.sum.per_second");
    if (bps == null && bytes != null && dur != null && dur > 0) {
      bps = bytes / (dur / 1e9);
    }
    Double flops = flops(l);
    Double tensorInst = l.metric("sm__inst_executed_pipe_tensor.sum");
    Double tensorPct = l.metric("sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_elapsed");
    boolean tensor = usesTensorCores(tensorPct, tensorInst);
    // tensor-core math is not in the SASS FP counters, so no intensity for kernels that used tensor cores
    Double ai = !tensor && flops != null && bytes != null && bytes > 0 ? Double.valueOf(flops / bytes) : null;
    Double ridge = tensor ? gpu.ridgeTensorFlopPerByte() : gpu.ridgeFp32FlopPerByte();
    String side = tensor || ai == null || ridge == null ? null : ai < ridge ? "memory" : "compute";
    Double dramPct = l.metric("dram__throughput.avg.pct_of_peak_sustained_elapsed");
    Double memPct = l.metric("gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed");
    Double smPct = l.metric("sm__throughput.avg.pct_of_peak_sustained_elapsed");
    return new NcuReport.LaunchRow(l.id(), l.kernelName(), rules.categorize(l.kernelName()), l.gridSize(), l.blockSize(),
        r(dur, 1), r(bytes, 0), r(bps, 0), pctOf(bps, gpu.peakDramBytesPerSec()), r(dramPct, 2), r(memPct, 2), r(smPct, 2),
        r(flops, 0), flops != null && dur != null && dur > 0 ? r(flops / (dur / 1e9), 0) : null, r(tensorInst, 0),
        tensor, r(ai, 4), ridge, side, bound(memPct != null ? memPct : dramPct, smPct));
  }

  /**
   * Whether a launch did its math on tensor cores. The tensor-pipe counters are not zero for plain
   * kernels (real H200 data: 8 to 2,336 tensor-pipe instructions and under 0.05% active cycles for
   * elementwise, reduce and softmax kernels, against at least 4,096 instructions and 0.8% for
   * cuBLAS/cuDNN GEMM and attention kernels), so this is a threshold: tensor pipe active at least
   * {@value #TENSOR_PIPE_MIN_PCT}% of the time when ncu measured it, else at least {@value
   * #TENSOR_INST_MIN} tensor-pipe instructions.
   */
  static boolean usesTensorCores(Double pipeActivePct, Double tensorInstructions) {
    if (pipeActivePct != null) {
      return pipeActivePct >= TENSOR_PIPE_MIN_PCT;
    }
    return tensorInstructions != null && tensorInstructions >= TENSOR_INST_MIN;
  }

  static final double TENSOR_PIPE_MIN_PCT = 0.5;
  static final double TENSOR_INST_MIN = 4000;

  static String bound(Double memPct, Double smPct) {
    if (memPct == null && smPct == null) {
      return "unknown";
    }
    double m = memPct == null ? 0 : memPct;
    double s = smPct == null ? 0 : smPct;
    if (Math.max(m, s) < LATENCY_BELOW_PCT) {
      return "latency";
    }
    return m >= s ? "memory" : "compute";
  }

  /** FP operations from the SASS counters: add + mul + 2·fma for FP16, FP32, FP64 (tensor-core math is not in them). */
  static Double flops(NcuLaunch l) {
    double sum = 0;
    boolean any = false;
    for (String[] op : FLOP_OPS) {
      Double v = l.metric("sm__sass_thread_inst_executed_op_" + op[0] + "_pred_on.sum");
      if (v != null) {
        any = true;
        sum += v * Integer.parseInt(op[1]);
      }
    }
    return any ? sum : null;
  }

  private static Double r(Double v, int digits) {
    return Num.roundOrNull(v, digits);
  }

  private static Double pctOf(Double v, Double peak) {
    return v == null || peak == null || peak == 0 ? null : Num.round(100.0 * v / peak, 2);
  }

  private List<NcuReport.KernelRow> byName(List<NcuReport.LaunchRow> rows, NcuReport.Gpu gpu, double total) {
    Map<String, List<NcuReport.LaunchRow>> groups = new LinkedHashMap<>();
    for (NcuReport.LaunchRow r : rows) {
      groups.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r);
    }
    List<NcuReport.KernelRow> out = new ArrayList<>();
    for (Map.Entry<String, List<NcuReport.LaunchRow>> g : groups.entrySet()) {
      List<NcuReport.LaunchRow> ls = g.getValue();
      double dur = 0;
      double bytes = 0;
      double flops = 0;
      boolean allBytes = true;
      boolean allFlops = true;
      double tensorNs = 0;
      double[] w = new double[6]; // weighted dram%, weight, mem%, weight, sm%, weight
      for (NcuReport.LaunchRow r : ls) {
        double d = r.durationNs() == null ? 0 : r.durationNs();
        dur += d;
        if (r.dramBytes() == null) {
          allBytes = false;
        } else {
          bytes += r.dramBytes();
        }
        if (r.flops() == null) {
          allFlops = false;
        } else {
          flops += r.flops();
        }
        tensorNs += r.tensorCores() ? d : 0;
        weigh(w, 0, r.ncuDramPct(), d);
        weigh(w, 2, r.ncuMemoryPct(), d);
        weigh(w, 4, r.ncuSmPct(), d);
      }
      // most of the time on tensor cores: single launches can show stray tensor-pipe counts (seen in real
      // H200 data: one elementwise launch with a GEMM's 90,112 tensor instructions)
      boolean tensor = tensorNs > dur / 2;
      Double bps = allBytes && dur > 0 ? Double.valueOf(bytes / (dur / 1e9)) : null;
      Double dramPct = w[1] > 0 ? Num.round(w[0] / w[1], 2) : null;
      Double memPct = w[3] > 0 ? Num.round(w[2] / w[3], 2) : null;
      Double smPct = w[5] > 0 ? Num.round(w[4] / w[5], 2) : null;
      Double ai = !tensor && allFlops && allBytes && bytes > 0 ? Double.valueOf(flops / bytes) : null;
      Double ridge = tensor ? gpu.ridgeTensorFlopPerByte() : gpu.ridgeFp32FlopPerByte();
      String side = tensor || ai == null || ridge == null ? null : ai < ridge ? "memory" : "compute";
      out.add(new NcuReport.KernelRow(g.getKey(), ls.get(0).category(), ls.size(), Num.round(dur, 1), Num.round(dur / ls.size(), 1),
          Num.pct(dur, total), allBytes ? Num.round(bytes, 0) : null, r(bps, 0), pctOf(bps, gpu.peakDramBytesPerSec()),
          dramPct, memPct, smPct, allFlops ? Num.round(flops, 0) : null, r(ai, 4), tensor, ridge, side,
          bound(memPct != null ? memPct : dramPct, smPct)));
    }
    out.sort(Comparator.comparingDouble(NcuReport.KernelRow::totalDurationNs).reversed().thenComparing(NcuReport.KernelRow::name));
    return out;
  }

  private static void weigh(double[] w, int i, Double v, double d) {
    if (v != null) {
      w[i] += v * d;
      w[i + 1] += d;
    }
  }
}
