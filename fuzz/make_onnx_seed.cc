// Makes a small seed for the ONNX fuzzer from a BERT ONNX file: the word
// embedding table cut to its first `rows` rows (the vocabulary size is read
// from that table), everything else unchanged. The graph, every operator and
// every other initializer stay as the exporter wrote them, so the fuzzer
// explores the same structure with a fraction of the bytes per input
// (the committed fixtures are 250 KB, half of it the 1000-row table).
//
//   make_onnx_seed <in.onnx> <out.onnx> [rows, default 8]
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <in.onnx> <out.onnx> [rows]\n", argv[0]);
    return 2;
  }
  const long rows = argc > 3 ? std::strtol(argv[3], nullptr, 10) : 8;
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  onnx::ModelProto model;
  if (!in || !model.ParseFromString(bytes.str())) {
    std::fprintf(stderr, "%s: not an ONNX model\n", argv[1]);
    return 1;
  }
  bool cut = false;
  for (onnx::TensorProto& t : *model.mutable_graph()->mutable_initializer()) {
    if (t.name().find("word_embeddings.weight") == std::string::npos) continue;
    if (t.dims_size() != 2 || t.data_type() != onnx::TensorProto::FLOAT ||
        t.dims(0) < rows) {
      std::fprintf(stderr, "%s: '%s' is not a float table of >= %ld rows\n", argv[1],
                   t.name().c_str(), rows);
      return 1;
    }
    const size_t keep = static_cast<size_t>(rows * t.dims(1)) * sizeof(float);
    if (t.raw_data().size() < keep) {
      std::fprintf(stderr, "%s: '%s' has no raw data to cut\n", argv[1], t.name().c_str());
      return 1;
    }
    t.mutable_raw_data()->resize(keep);
    t.set_dims(0, rows);
    cut = true;
  }
  if (!cut) {
    std::fprintf(stderr, "%s: no word_embeddings.weight initializer\n", argv[1]);
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary);
  if (!model.SerializeToOstream(&out)) {
    std::fprintf(stderr, "%s: cannot write\n", argv[2]);
    return 1;
  }
  return 0;
}
