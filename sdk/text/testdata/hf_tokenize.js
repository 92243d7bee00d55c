#!/usr/bin/env node
// Oracle for //sdk/text tests: tokenizes text with Hugging Face tokenizers
// (npm @anush008/tokenizers, the Rust library's native binding) configured
// as bert-base-uncased: BertNormalizer(clean text, CJK, strip accents,
// lowercase), BertPreTokenizer, WordPiece ("##", [UNK], 100 chars/word),
// BertProcessing ([CLS] a [SEP] (b [SEP])).
//
// Usage: node hf_tokenize.js --vocab V [--node-modules DIR] [--max-length N]
//                            [--pad] [--special] [--batch] [--lowercase 0|1]
//                            [--strip-accents 0|1] [--cjk 0|1] < INPUT
// INPUT: one example per line, the sentence as hex-encoded UTF-8 bytes
// (so any byte string survives), or "HEX_A<TAB>HEX_B" for a pair. Bytes that
// are not valid UTF-8 are decoded as U+FFFD, like Python's errors="replace".
// --special: [PAD] [UNK] [CLS] [SEP] [MASK] written in the text are special
// tokens, as in a tokenizer loaded with from_pretrained.
// --batch: single sentences only, encoded with encodeBatch (faster).
// --lowercase, --strip-accents, --cjk: BertNormalizer's options (default 1).
// Output: one JSON line per example: {"ids":[..],"types":[..],"mask":[..],
// "tokens":[..]}.
'use strict';
const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const a = {vocab: null, nodeModules: process.env.FP8SDK_NODE_MODULES || null,
             maxLength: 0, pad: false, special: false, batch: false,
             lowercase: true, stripAccents: true, cjk: true};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--vocab') a.vocab = argv[++i];
    else if (k === '--node-modules') a.nodeModules = argv[++i];
    else if (k === '--max-length') a.maxLength = parseInt(argv[++i], 10);
    else if (k === '--pad') a.pad = true;
    else if (k === '--special') a.special = true;
    else if (k === '--batch') a.batch = true;
    else if (k === '--lowercase') a.lowercase = argv[++i] === '1';
    else if (k === '--strip-accents') a.stripAccents = argv[++i] === '1';
    else if (k === '--cjk') a.cjk = argv[++i] === '1';
    else throw new Error('unknown argument ' + k);
  }
  if (!a.vocab) throw new Error('--vocab is required');
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const modulePath = args.nodeModules
      ? path.resolve(args.nodeModules, '@anush008', 'tokenizers')
      : '@anush008/tokenizers';
  const tk = require(modulePath);

  const model = await tk.WordPiece.fromFile(args.vocab, {
    unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100});
  const tokenizer = new tk.Tokenizer(model);
  tokenizer.setNormalizer(tk.bertNormalizer(
      {cleanText: true, handleChineseChars: args.cjk, stripAccents: args.stripAccents,
       lowercase: args.lowercase}));
  tokenizer.setPreTokenizer(tk.bertPreTokenizer());
  const id = (t) => {
    const v = tokenizer.tokenToId(t);
    if (v === null || v === undefined) throw new Error('vocab lacks ' + t);
    return v;
  };
  tokenizer.setPostProcessor(tk.bertProcessing(['[SEP]', id('[SEP]')], ['[CLS]', id('[CLS]')]));
  if (args.special) {
    const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].filter(
        (t) => tokenizer.tokenToId(t) !== null && tokenizer.tokenToId(t) !== undefined);
    tokenizer.addSpecialTokens(specials);
  }
  if (args.maxLength > 0) {
    tokenizer.setTruncation(args.maxLength, {strategy: 'LongestFirst'});
    if (args.pad) {
      tokenizer.setPadding({maxLength: args.maxLength, padId: id('[PAD]'), padToken: '[PAD]'});
    }
  }

  const text = fs.readFileSync(0, 'latin1');
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const decode = (hex) => Buffer.from(hex, 'hex').toString('utf8');
  const out = [];
  const emit = (e) => out.push(JSON.stringify({
    ids: e.getIds(), types: e.getTypeIds(), mask: e.getAttentionMask(), tokens: e.getTokens()}));
  if (args.batch) {
    const chunk = 4096;
    for (let i = 0; i < lines.length; i += chunk) {
      const encs = await tokenizer.encodeBatch(lines.slice(i, i + chunk).map(decode));
      encs.forEach(emit);
    }
  } else {
    for (const line of lines) {
      const tab = line.indexOf('\t');
      const e = tab < 0 ? await tokenizer.encode(decode(line), null)
                        : await tokenizer.encode(decode(line.slice(0, tab)),
                                                 decode(line.slice(tab + 1)));
      emit(e);
    }
  }
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
}

main().catch((e) => {
  process.stderr.write('hf_tokenize.js: ' + (e && e.stack ? e.stack : e) + '\n');
  process.exit(2);
});
