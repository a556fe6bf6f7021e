package dev.profilemate.report;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model's name as a vLLM user calls it: served_model_name, else the model argument; a local
 * folder is named by its last component (a Hugging Face cache snapshot by its repository), so the
 * report's title is not a path.
 */
final class ModelName {
  /** .../models--org--name/snapshots/<hash>: the Hub cache's layout. */
  private static final Pattern HUB_CACHE = Pattern.compile("models--([^/\\\\]+?)--([^/\\\\]+)");

  private ModelName() {}

  static String of(String model) {
    if (model == null || model.isBlank()) {
      return "unknown model";
    }
    if (!isPath(model)) {
      return model;
    }
    Matcher hub = HUB_CACHE.matcher(model);
    if (hub.find()) {
      return hub.group(1) + "/" + hub.group(2);
    }
    String[] parts = model.split("[/\\\\]+");
    for (int i = parts.length - 1; i >= 0; i--) {
      if (!parts[i].isEmpty() && !parts[i].equals(".") && !parts[i].equals("..")) {
        return parts[i];
      }
    }
    return model;
  }

  /** A local folder, as opposed to a Hub id (org/name), which is also written with a slash. */
  static boolean isPath(String model) {
    return model.startsWith("/") || model.startsWith("./") || model.startsWith("../") || model.startsWith("~")
        || model.matches("^[A-Za-z]:[\\\\/].*") || model.contains("\\");
  }
}
