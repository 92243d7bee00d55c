// ONNX import of BERT as torch.onnx exports it (opset 11 with decomposed
// LayerNorm, opset 14 with tanh GELU, opset 17 with LayerNormalization), and
// the Hugging Face import of the same weights (F32, F16, BF16): every model's
// logits match torch's to 1e-4; the ONNX and safetensors imports of one model
// give the same graph and bit-identical outputs; malformed or unsupported
// ONNX files give errors naming the node, op and opset.
#include "converter/import/onnx_import.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "converter/import/hf_import.h"
#include "converter/testing/hf_fixture.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

const char kDir[] = "tests/data/bert_random/";

nlohmann::json Golden() {
  std::ifstream in(std::string(kDir) + "golden.json");
  return nlohmann::json::parse(in);
}

testing::TinyBertInputs InputsOf(const nlohmann::json& j) {
  testing::TinyBertInputs in;
  in.batch = static_cast<int>(j["input_ids"].size());
  in.sequence = static_cast<int>(j["input_ids"][0].size());
  for (const char* key : {"input_ids", "token_type_ids", "attention_mask"}) {
    std::vector<int64_t>& dst = std::string(key) == "input_ids"        ? in.input_ids
                                : std::string(key) == "token_type_ids" ? in.token_type_ids
                                                                       : in.attention_mask;
    for (const auto& row : j[key]) {
      for (const auto& v : row) dst.push_back(v.get<int64_t>());
    }
  }
  return in;
}

Result<std::unique_ptr<convert::ImportedModel>> Import(const std::string& name) {
  const std::string path = kDir + name;
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".onnx") == 0) {
    return convert::ImportOnnxFile(path);
  }
  return convert::ImportHfDirectory(path);
}

TEST(OnnxImport, EveryFixtureMatchesTorch) {
  const nlohmann::json golden = Golden();
  for (auto it = golden["logits"].begin(); it != golden["logits"].end(); ++it) {
    const std::string name = it.key();
    auto m = Import(name);
    ASSERT_TRUE(m.ok()) << name << ": " << m.status().ToString();
    for (size_t i = 0; i < golden["inputs"].size(); ++i) {
      const testing::TinyBertInputs in = InputsOf(golden["inputs"][i]);
      const std::vector<float> got = testing::RunBertGraph(m.value()->graph, in);
      std::vector<float> want;
      for (const auto& row : it.value()[i]) {
        for (const auto& v : row) want.push_back(v.get<float>());
      }
      ASSERT_EQ(got.size(), want.size()) << name;
      for (size_t k = 0; k < want.size(); ++k) {
        EXPECT_NEAR(got[k], want[k], 1e-4) << name << " input " << i << " logit " << k;
      }
    }
  }
}

TEST(OnnxImport, OnnxAndSafetensorsGiveTheSameGraph) {
  for (auto [onnx, hf] :
       {std::pair{"erf_opset17.onnx", "hf_f32"}, std::pair{"erf_opset11.onnx", "hf_f32"},
        std::pair{"tanh_opset14.onnx", "hf_tanh"}}) {
    auto a = Import(onnx);
    auto b = Import(hf);
    ASSERT_TRUE(a.ok() && b.ok()) << onnx;
    const Graph& ga = a.value()->graph;
    const Graph& gb = b.value()->graph;
    ASSERT_EQ(ga.nodes.size(), gb.nodes.size()) << onnx;
    ASSERT_EQ(ga.tensors.size(), gb.tensors.size()) << onnx;
    for (size_t i = 0; i < ga.nodes.size(); ++i) {
      EXPECT_EQ(ga.nodes[i].type, gb.nodes[i].type);
      EXPECT_EQ(ga.nodes[i].name, gb.nodes[i].name);
      EXPECT_EQ(ga.nodes[i].inputs, gb.nodes[i].inputs);
      EXPECT_EQ(ga.nodes[i].attrs.epsilon, gb.nodes[i].attrs.epsilon) << ga.nodes[i].name;
      EXPECT_EQ(ga.nodes[i].attrs.gelu, gb.nodes[i].attrs.gelu) << ga.nodes[i].name;
      EXPECT_EQ(ga.nodes[i].attrs.num_heads, gb.nodes[i].attrs.num_heads) << ga.nodes[i].name;
      EXPECT_EQ(ga.nodes[i].attrs.alpha, gb.nodes[i].attrs.alpha) << ga.nodes[i].name;
    }
    for (size_t i = 0; i < ga.tensors.size(); ++i) {
      const TensorDesc& x = ga.tensors[i];
      const TensorDesc& y = gb.tensors[i];
      EXPECT_EQ(x.name, y.name);
      ASSERT_EQ(x.IsConstant(), y.IsConstant()) << x.name;
      if (x.IsConstant()) {
        ASSERT_EQ(x.data_size, y.data_size) << x.name;
        EXPECT_EQ(std::memcmp(x.data(), y.data(), x.data_size), 0) << onnx << ": " << x.name;
      }
    }
    const testing::TinyBertInputs in = InputsOf(Golden()["inputs"][0]);
    EXPECT_EQ(testing::RunBertGraph(ga, in), testing::RunBertGraph(gb, in)) << onnx;
  }
}

// ImportOnnxBytes is ImportOnnxFile without the file: the same graph, the
// same constants, no digest.
TEST(OnnxImport, BytesGiveWhatTheFileGives) {
  for (const char* name : {"erf_opset17.onnx", "erf_opset11.onnx", "tanh_opset14.onnx"}) {
    std::ifstream in(std::string(kDir) + name, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto a = Import(name);
    auto b = convert::ImportOnnxBytes(bytes.data(), bytes.size(), name);
    ASSERT_TRUE(a.ok() && b.ok()) << name << ": " << b.status().ToString();
    const Graph& ga = a.value()->graph;
    const Graph& gb = b.value()->graph;
    ASSERT_EQ(ga.nodes.size(), gb.nodes.size()) << name;
    ASSERT_EQ(ga.tensors.size(), gb.tensors.size()) << name;
    for (size_t i = 0; i < ga.tensors.size(); ++i) {
      const TensorDesc& x = ga.tensors[i];
      const TensorDesc& y = gb.tensors[i];
      ASSERT_EQ(x.data_size, y.data_size) << x.name;
      if (x.IsConstant()) EXPECT_EQ(std::memcmp(x.data(), y.data(), x.data_size), 0) << x.name;
    }
    EXPECT_FALSE(a.value()->source_sha256.empty());
    EXPECT_TRUE(b.value()->source_sha256.empty());
    const testing::TinyBertInputs inputs = InputsOf(Golden()["inputs"][0]);
    EXPECT_EQ(testing::RunBertGraph(ga, inputs), testing::RunBertGraph(gb, inputs)) << name;
  }
  const char garbage[] = "\xff\xff\xff garbage";
  auto g = convert::ImportOnnxBytes(garbage, sizeof(garbage) - 1, "garbage.onnx");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("'garbage.onnx' is not a valid ONNX model"),
            std::string::npos);
}

// A BERT export edited to compute something else is refused, naming what:
// the importer rebuilds BERT from the parameters, so it must not accept a
// graph that differs from BERT in ways it would not see.
TEST(OnnxImport, EditedGraphsAreRefused) {
  for (const char* fixture : {"erf_opset17.onnx", "erf_opset11.onnx", "tanh_opset14.onnx"}) {
    SCOPED_TRACE(fixture);
    onnx::ModelProto m;
    std::ifstream in(std::string(kDir) + fixture, std::ios::binary);
    ASSERT_TRUE(m.ParseFromIstream(&in));
    auto expect = [&](const onnx::ModelProto& edited, const std::string& needle) {
      const std::string bytes = edited.SerializeAsString();
      auto r = convert::ImportOnnxBytes(bytes.data(), bytes.size(), "edited.onnx");
      ASSERT_FALSE(r.ok()) << needle;
      EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
    };
    auto first = [&](onnx::ModelProto* e, const std::string& op) -> onnx::NodeProto* {
      for (auto& n : *e->mutable_graph()->mutable_node()) {
        if (n.op_type() == op) return &n;
      }
      return nullptr;
    };
    {  // the unedited file imports
      const std::string bytes = m.SerializeAsString();
      ASSERT_TRUE(convert::ImportOnnxBytes(bytes.data(), bytes.size(), fixture).ok());
    }
    onnx::ModelProto e = m;
    first(&e, "MatMul")->set_input(0, "no_such_tensor");
    expect(e, "reads 'no_such_tensor', which no input, initializer or node produces");
    e = m;
    e.mutable_graph()->clear_output();
    expect(e, "has no outputs");
    e = m;
    e.mutable_graph()->mutable_initializer(0)->set_dims(0, -3);
    expect(e, "has a negative dimension -3");
    e = m;
    e.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
        onnx::TensorProto::FLOAT);
    expect(e, "input 'input_ids' has element type 1");
    e = m;
    for (auto& a : *first(&e, "Softmax")->mutable_attribute()) {
      if (a.name() == "axis") a.set_i(0);
    }
    expect(e, "Softmax over axis 0");
    e = m;
    {
      onnx::NodeProto* gemm = first(&e, "Gemm");
      bool set = false;
      for (auto& a : *gemm->mutable_attribute()) {
        if (a.name() == "alpha") {
          a.set_f(2.0f);
          set = true;
        }
      }
      if (!set) {
        auto* a = gemm->add_attribute();
        a->set_name("alpha");
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(2.0f);
      }
    }
    expect(e, "alpha, beta other than 1");
    e = m;
    // A weight moved to the left of its MatMul (exports that keep the
    // weight as an initializer feeding the MatMul directly).
    for (auto& n : *e.mutable_graph()->mutable_node()) {
      if (n.op_type() != "MatMul" || n.input_size() != 2) continue;
      bool param = false;
      for (const auto& t : e.graph().initializer()) param |= t.name() == n.input(1);
      if (!param) continue;
      const std::string a = n.input(0), b = n.input(1);
      n.set_input(0, b);
      n.set_input(1, a);
      expect(e, "a parameter on the left of a MatMul");
      break;
    }
    e = m;
    for (auto& n : *e.mutable_graph()->mutable_node()) {
      bool bias = false;
      for (const std::string& x : n.input()) {
        bias |= x.size() > 5 && x.compare(x.size() - 5, 5, ".bias") == 0 && n.op_type() == "Add";
      }
      if (bias) {
        n.set_op_type("Sub");
        break;
      }
    }
    expect(e, "(biases are added)");
    e = m;
    {
      // The attention mask bypassed: Softmax reads the scores before the mask
      // is added (the Add's first input).
      onnx::NodeProto* sm = first(&e, "Softmax");
      for (const auto& n : e.graph().node()) {
        if (n.output_size() > 0 && n.output(0) == sm->input(0) && n.op_type() == "Add") {
          sm->set_input(0, n.input(0));
          break;
        }
      }
    }
    expect(e, "the attention scores do not depend on attention_mask");
    e = m;
    {
      // The token embeddings cut off: the word embedding Gather reads a
      // constant index instead of input_ids (the positions still follow
      // input_ids' shape, which carries none of its values).
      onnx::TensorProto* ids = e.mutable_graph()->add_initializer();
      ids->set_name("fixed_ids");
      ids->set_data_type(onnx::TensorProto::INT64);
      ids->add_dims(1);
      ids->add_dims(1);
      ids->add_int64_data(5);
      int gathers = 0;
      for (auto& n : *e.mutable_graph()->mutable_node()) {
        if (n.op_type() == "Gather" && n.input_size() == 2 && n.input(1) == "input_ids") {
          n.set_input(1, "fixed_ids");
          ++gathers;
        }
      }
      ASSERT_EQ(gathers, 1);
    }
    expect(e, "does not depend on input_ids");
    if (std::string(fixture).find("erf") == 0) {
      e = m;
      first(&e, "Erf")->set_op_type("Tanh");
      expect(e, "expected one GELU per layer, all erf or all tanh");
    }
  }
}

TEST(OnnxImport, MalformedAndUnsupportedModels) {
  const std::string dir = convert::testing::MakeTempDir();
  auto expect = [&](const std::string& path, const std::string& needle) {
    auto m = convert::ImportOnnxFile(path);
    ASSERT_FALSE(m.ok()) << needle;
    EXPECT_NE(m.status().message().find(needle), std::string::npos) << m.status().ToString();
  };
  expect(dir + "/missing.onnx", "cannot read ONNX file");
  convert::testing::WriteFile(dir + "/garbage.onnx", std::string("\xff\xff\xff garbage", 11));
  expect(dir + "/garbage.onnx", "not a valid ONNX model");

  onnx::ModelProto m;
  std::ifstream in(std::string(kDir) + "erf_opset17.onnx", std::ios::binary);
  ASSERT_TRUE(m.ParseFromIstream(&in));
  onnx::ModelProto lstm = m;
  onnx::NodeProto* n = lstm.mutable_graph()->add_node();
  n->set_name("my_lstm");
  n->set_op_type("LSTM");
  convert::testing::WriteFile(dir + "/lstm.onnx", lstm.SerializeAsString());
  expect(dir + "/lstm.onnx", "node 'my_lstm' (op LSTM, opset 17) is not supported");

  onnx::ModelProto old = m;
  old.mutable_opset_import(0)->set_version(9);
  convert::testing::WriteFile(dir + "/old.onnx", old.SerializeAsString());
  expect(dir + "/old.onnx", "opset 9; this importer reads opsets 11-17");

  onnx::ModelProto no_ids = m;
  no_ids.mutable_graph()->mutable_input(0)->set_name("tokens");
  convert::testing::WriteFile(dir + "/no_ids.onnx", no_ids.SerializeAsString());
  expect(dir + "/no_ids.onnx", "no input 'input_ids'");

  onnx::ModelProto external = m;
  for (auto& t : *external.mutable_graph()->mutable_initializer()) {
    if (t.name() != "bert.embeddings.word_embeddings.weight") continue;
    t.clear_raw_data();
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* kv = t.add_external_data();
    kv->set_key("location");
    kv->set_value("weights.bin");
  }
  convert::testing::WriteFile(dir + "/external.onnx", external.SerializeAsString());
  expect(dir + "/external.onnx", "external data file");
  convert::testing::WriteFile(dir + "/weights.bin", "tiny");
  expect(dir + "/external.onnx", "has 4 bytes for");
  // In memory there is no directory to look in.
  const std::string ext_bytes = external.SerializeAsString();
  auto ext = convert::ImportOnnxBytes(ext_bytes.data(), ext_bytes.size(), "external.onnx");
  ASSERT_FALSE(ext.ok());
  EXPECT_NE(ext.status().message().find("has external data, which needs the model's file"),
            std::string::npos)
      << ext.status().ToString();

  // Nodes with fewer inputs or outputs than their op has (a crash the fuzzer
  // found: fuzz/regressions/onnx_fuzzer/): every node's inputs are emptied
  // in turn; the import must answer with an error or a graph, never crash.
  for (int i = 0; i < m.graph().node_size(); ++i) {
    onnx::ModelProto cut = m;
    cut.mutable_graph()->mutable_node(i)->clear_input();
    cut.mutable_graph()->mutable_node(i)->clear_output();
    convert::testing::WriteFile(dir + "/cut.onnx", cut.SerializeAsString());
    auto r = convert::ImportOnnxFile(dir + "/cut.onnx");
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty());
    }
  }
  convert::testing::RemoveTree(dir);
}

}  // namespace
}  // namespace fp8sdk
