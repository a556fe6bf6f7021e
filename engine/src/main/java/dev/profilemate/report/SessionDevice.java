package dev.profilemate.report;

import java.util.ArrayList;
import java.util.List;

/**
 * What the session ran on, from metadata.json's engine settings: the device vLLM used
 * (engine.device, the probe's DeviceConfig.device_type; a recorded engine.gpu_name means CUDA)
 * and whether CUDA graphs could run (cudagraph_mode, enforce_eager). A GPU section that a CPU
 * run or an eager run cannot record then says so, and no recommendation reads its absent data.
 */
record SessionDevice(String device, boolean cpuOnly, boolean graphsOff, String graphsOffBecause) {

  static final SessionDevice UNKNOWN = new SessionDevice("", false, false, "");

  static SessionDevice of(SessionMetadata m) {
    String device = m.engineText("device");
    if (device.isEmpty() && !m.engineText("gpu_name").isEmpty()) {
      device = "cuda";
    }
    boolean cpu = device.equalsIgnoreCase("cpu");
    String mode = m.engineText("cudagraph_mode");
    // vLLM writes the enum as NONE, or CUDAGraphMode.NONE in older versions
    boolean modeNone = mode.equals("NONE") || mode.endsWith(".NONE");
    boolean eager = m.engineText("enforce_eager").equalsIgnoreCase("true");
    List<String> why = new ArrayList<>();
    if (modeNone) {
      why.add("cudagraph_mode NONE");
    }
    if (eager) {
      why.add("enforce_eager");
    }
    if (cpu) {
      why.add("CPU");
    }
    return new SessionDevice(device, cpu, modeNone || eager || cpu, String.join(", ", why));
  }

  static final String ON_CPU = "the session ran on the CPU (no CUDA)";

  /** Why a GPU profiler's empty file is expected here, or null when nothing in the metadata says so. */
  String whyNotRecorded(Profiler p) {
    if (p == Profiler.FORWARD_PASS && cpuOnly) {
      return ON_CPU + ": there is no GPU forward time to record";
    }
    if (p == Profiler.CUDA_GRAPHS && graphsOff) {
      return "off in this session (" + graphsOffBecause + ": every step ran eagerly)";
    }
    return null;
  }

  /**
   * One line per GPU section this session could not record, for the report's header: said once at
   * the top, so a CPU-only or eager session is not read as a GPU that did nothing.
   */
  List<String> gpuSectionsNotRecorded(Analyses a) {
    List<String> out = new ArrayList<>();
    if (!cpuOnly && !graphsOff) {
      return out;
    }
    if (!a.steps().status().recorded()) {
      out.add("GPU forward time: not recorded — " + (cpuOnly ? ON_CPU : a.steps().status().reason()));
    }
    if (!a.graphs().status().recorded() && graphsOff) {
      out.add("CUDA graphs: off in this session (" + graphsOffBecause + ")");
    }
    if (!a.efficiency().status().recorded() && !a.steps().status().recorded()) {
      out.add("MFU and memory bandwidth: not estimated — they need GPU forward time");
    }
    return out;
  }
}
