// fp8conv: converts trained BERT models (ONNX or Hugging Face checkpoint
// directories) into fp8sdk model files quantized to FP8 (or INT8), with a
// report of what was quantized and how well.
//
// Exit status: 0 success, 1 conversion failed, 2 usage error.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "converter/report.h"
#include "tools/common/output_path.h"

namespace {

using fp8sdk::convert::CalibMethod;
using fp8sdk::convert::ConvertOptions;

// The files a conversion reads that are known before it starts: the model
// file, or every file of a model directory but earlier outputs (.fp8 model
// files, .json reports other than config.json); an ONNX file's config.json
// and vocab.txt; the vocabulary and calibration files. (RunConvert checks
// again before writing, with the external data files the import read.)
std::vector<std::string> InputFiles(const ConvertOptions& o) {
  std::vector<std::string> files = {o.vocab, o.calib};
  struct stat s;
  if (stat(o.input.c_str(), &s) == 0 && !S_ISDIR(s.st_mode)) {
    const size_t slash = o.input.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : o.input.substr(0, slash);
    files.insert(files.end(), {o.input, dir + "/config.json", dir + "/vocab.txt"});
  } else {
    files.push_back(o.input);  // CheckOutputPath looks inside (outputs left out)
  }
  return files;
}

constexpr char kUsage[] =
    "fp8conv - convert BERT models to FP8 model files\n"
    "\n"
    "usage:\n"
    "  fp8conv convert <model.onnx | hf-dir> -o <out.fp8> --calib <sentences.tsv> [options]\n"
    "  fp8conv --help | --version\n"
    "\n"
    "convert: import the model, calibrate on real text, quantize, write the model file\n"
    "and print a report.\n"
    "  -o, --output FILE       model file to write (required)\n"
    "  --calib FILE            calibration sentences: TSV (label<TAB>sentence, with a header\n"
    "                          line, as GLUE ships them) or text (one sentence per line)\n"
    "  --calib-ids FILE        calibration inputs already tokenized: one sentence per line,\n"
    "                          space-separated token ids including [CLS] and [SEP]\n"
    "  --vocab FILE            WordPiece vocabulary (default: vocab.txt beside the model)\n"
    "  --samples N             calibration sentences to use (default 128)\n"
    "  --max-length N          tokens per sentence including [CLS]/[SEP] (default 128)\n"
    "  --batch N               sentences per calibration batch (default 8)\n"
    "  --format F              e4m3 (default), e5m2 or int8 (the baseline)\n"
    "  --weights G             per-channel (default) or per-tensor weight scales\n"
    "  --weight-only           keep activations in float32\n"
    "  --calibration M         minmax (default), percentile or mse\n"
    "  --percentile P          percentile for --calibration percentile (default 99.99)\n"
    "  --search-format         choose each activation's FP8 format (E2M5..E5M2) by MSE\n"
    "  --attention-fp8         also quantize the attention batched matmuls\n"
    "  --quantize-head         also quantize the pooler and classifier\n"
    "  --quantize-embeddings   store the word-embedding table in E4M3 (one scale per row)\n"
    "  --skip PATTERN          keep operators whose name contains PATTERN in float32\n"
    "                          (repeatable)\n"
    "  --keep-first N          keep the first N encoder layers in float32\n"
    "  --keep-last N           keep the last N encoder layers in float32\n"
    "  --no-quantize           write the float32 model (no calibration needed)\n"
    "  --eval-samples N        sentences for the FP32-vs-quantized evaluation (default 32;\n"
    "                          0 skips it)\n"
    "  --report FILE           also write the report as JSON\n"
    "  --threads N             CPU threads (default: all cores)\n"
    "  --device D              backend for calibration: reference (default; reads weights in\n"
    "                          place, least memory) or cpu (oneDNN, faster, more memory)\n"
    "  -q, --quiet             no progress bars and no report table\n"
    "\n"
    "example:\n"
    "  fp8conv convert models/sst2_tiny -o sst2.fp8 --calib ../shared/data/sst2/train.tsv \\\n"
    "      --vocab ../shared/data/vocab/bert-base-uncased-vocab.txt\n";

int Usage(const std::string& error) {
  std::fprintf(stderr, "fp8conv: %s\nRun 'fp8conv --help' for usage.\n", error.c_str());
  return 2;
}

bool ParseInt(const char* s, int lo, int hi, int* out) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (end == s || *end || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

int Convert(int argc, char** argv) {
  ConvertOptions o;
  o.progress = true;
  bool quiet = false;
  std::vector<std::string> positional, given;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char** out) -> bool {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    const char* v = nullptr;
    auto need = [&](const std::string& flag) { return Usage(flag + " needs a value"); };
    auto int_flag = [&](int lo, int hi, int* out) -> int {
      if (!value(&v)) return need(a);
      if (!ParseInt(v, lo, hi, out)) {
        return Usage(a + " must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got '" + v + "'");
      }
      return 0;
    };
    int rc = 0;
    given.push_back(a);
    if (a == "-o" || a == "--output") {
      if (!value(&v)) return need(a);
      o.output = v;
    } else if (a == "--calib") {
      if (!value(&v)) return need(a);
      o.calib = v;
      o.calib_is_ids = false;
    } else if (a == "--calib-ids") {
      if (!value(&v)) return need(a);
      o.calib = v;
      o.calib_is_ids = true;
    } else if (a == "--vocab") {
      if (!value(&v)) return need(a);
      o.vocab = v;
    } else if (a == "--samples") {
      rc = int_flag(1, 1000000, &o.samples);
    } else if (a == "--max-length") {
      rc = int_flag(3, 1 << 20, &o.max_length);
    } else if (a == "--batch") {
      rc = int_flag(1, 4096, &o.batch);
    } else if (a == "--eval-samples") {
      rc = int_flag(0, 1000000, &o.eval_samples);
    } else if (a == "--threads") {
      rc = int_flag(1, 1024, &o.threads);
    } else if (a == "--keep-first") {
      rc = int_flag(0, 1 << 20, &o.quant.keep_first);
    } else if (a == "--keep-last") {
      rc = int_flag(0, 1 << 20, &o.quant.keep_last);
    } else if (a == "--format") {
      if (!value(&v)) return need(a);
      const std::string f = v;
      if (f == "e4m3") {
        o.quant.dtype = fp8sdk::DType::kFP8_E4M3;
      } else if (f == "e5m2") {
        o.quant.dtype = fp8sdk::DType::kFP8_E5M2;
      } else if (f == "int8") {
        o.quant.dtype = fp8sdk::DType::kINT8;
      } else {
        return Usage("--format must be e4m3, e5m2 or int8, got '" + f + "'");
      }
    } else if (a == "--weights") {
      if (!value(&v)) return need(a);
      const std::string g = v;
      if (g != "per-channel" && g != "per-tensor")
        return Usage("--weights must be per-channel or per-tensor");
      o.quant.per_channel_weights = g == "per-channel";
    } else if (a == "--weight-only") {
      o.quant.quantize_activations = false;
    } else if (a == "--calibration") {
      if (!value(&v)) return need(a);
      const std::string m = v;
      if (m == "minmax") {
        o.quant.method = CalibMethod::kMinMax;
      } else if (m == "percentile") {
        o.quant.method = CalibMethod::kPercentile;
      } else if (m == "mse") {
        o.quant.method = CalibMethod::kMse;
      } else {
        return Usage("--calibration must be minmax, percentile or mse, got '" + m + "'");
      }
    } else if (a == "--percentile") {
      if (!value(&v)) return need(a);
      char* end = nullptr;
      o.quant.percentile = std::strtod(v, &end);
      if (end == v || *end || !(o.quant.percentile > 0 && o.quant.percentile <= 100)) {
        return Usage("--percentile must be a number in (0, 100]");
      }
    } else if (a == "--search-format") {
      o.quant.search_format = true;
    } else if (a == "--attention-fp8") {
      o.quant.attention = true;
    } else if (a == "--quantize-head") {
      o.quant.head = true;
    } else if (a == "--quantize-embeddings") {
      o.quant.embeddings = true;
    } else if (a == "--skip") {
      if (!value(&v)) return need(a);
      o.quant.skip.push_back(v);
    } else if (a == "--no-quantize") {
      o.quantize = false;
    } else if (a == "--device") {
      if (!value(&v)) return need(a);
      const std::string d = v;
      if (d == "reference") {
        o.device = FP8_DEVICE_REFERENCE;
      } else if (d == "cpu") {
        o.device = FP8_DEVICE_CPU;
      } else {
        return Usage("--device must be reference or cpu, got '" + d + "'");
      }
    } else if (a == "--report") {
      if (!value(&v)) return need(a);
      o.report_json = v;
    } else if (a == "-q" || a == "--quiet") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      return Usage("unknown option '" + a + "'");
    } else {
      positional.push_back(a);
    }
    if (rc) return rc;
  }
  if (positional.size() != 1)
    return Usage("convert takes one model (an .onnx file or a Hugging Face directory)");
  // Options that contradict each other, or that would be silently ignored.
  const auto has = [&](const char* flag) {
    return std::find(given.begin(), given.end(), flag) != given.end();
  };
  if (has("--calib") && has("--calib-ids")) {
    return Usage("--calib and --calib-ids are alternatives: give one");
  }
  if (has("--percentile") && o.quant.method != CalibMethod::kPercentile) {
    return Usage("--percentile needs --calibration percentile");
  }
  if (!o.quantize) {
    for (const char* flag :
         {"--format", "--weights", "--weight-only", "--calibration", "--percentile",
          "--search-format", "--attention-fp8", "--quantize-head", "--quantize-embeddings",
          "--skip", "--keep-first", "--keep-last"}) {
      if (has(flag)) {
        return Usage(std::string("--no-quantize writes the float32 model: ") + flag +
                     " would have no effect");
      }
    }
  }
  if (o.output.empty()) return Usage("convert needs -o OUTPUT.fp8");
  o.input = positional[0];
  o.progress = !quiet;
  // The model is a file or a directory (it is mapped, not streamed); the
  // vocabulary and calibration data may come from a pipe (<(zcat ...)).
  {
    struct stat s;
    if (stat(o.input.c_str(), &s) == 0 && !S_ISREG(s.st_mode) && !S_ISDIR(s.st_mode)) {
      std::fprintf(stderr, "fp8conv: '%s' is not a regular file or a directory\n", o.input.c_str());
      return 1;
    }
  }
  // Outputs never replace an input (checked before the work).
  const std::vector<std::string> inputs = InputFiles(o);
  std::string why = fp8sdk::tools::CheckOutputPath(o.output, inputs);
  if (why.empty() && !o.report_json.empty()) {
    std::vector<std::string> taken = inputs;
    taken.push_back(o.output);
    why = fp8sdk::tools::CheckOutputPath(o.report_json, taken);
    if (why.empty() && o.report_json == o.output) why = "--report and -o name the same file";
  }
  if (!why.empty()) {
    std::fprintf(stderr, "fp8conv: %s\n", why.c_str());
    return 1;
  }
  fp8sdk::convert::ConvertReport report;
  const fp8sdk::Status st = fp8sdk::convert::RunConvert(o, &report);
  if (!st.ok()) {
    std::fprintf(stderr, "fp8conv: %s\n", st.ToString().c_str());
    return 1;
  }
  if (!quiet) std::printf("%s", report.ToTable().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Under `bazel run`, resolve relative paths against the caller's directory.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(wd) != 0) std::perror("chdir");
  }
  if (argc < 2) return Usage("no command");
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::printf("%s", kUsage);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("fp8conv 0.1.0\n");
    return 0;
  }
  if (cmd == "convert") return Convert(argc - 2, argv + 2);
  return Usage("unknown command '" + cmd + "'");
}
