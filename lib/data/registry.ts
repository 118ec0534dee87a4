// The real data sets the workbench reads, declared once: task, files with their row
// counts and sha256 (as in each data set's SOURCE.md and the shared copy), splits and which
// of them are EVALUATION splits, license, citation and where `gecko data fetch` gets them.
// Training code calls assertTrainingSplit() before it reads anything (the leak guard).
//
// Deviation from MTEB: SICK-R is evaluated on the SemEval-2014 test file only (4,927 pairs),
// not on all three SemEval files, so SICK train/trial can feed NLI training.
import { GeckoError } from '../core/errors';

export type DatasetTask =
  | 'retrieval'
  | 'sts'
  | 'sts+nli'
  | 'nli'
  | 'classification'
  | 'pair-classification'
  | 'clustering+classification'
  | 'qa';

/**
 * How a file is counted and parsed. 'lines' = one row per non-blank line; 'tsv-quoted-header' =
 * tab-separated with Python csv quoting and a header row (rows counted quote-aware); 'smart' = one row
 * per `.I` record; 'squad' = questions in a SQuAD JSON; 'json-array' = array length.
 */
export type FileFormat =
  | 'jsonl' | 'qrels-tsv' | 'tsv' | 'tsv-header'
  | 'tsv-quoted-header' | 'csv' | 'csv-header'
  | 'smart' | 'lines' | 'squad' | 'json-array' | 'text';

/** Where a file comes from when `gecko data fetch` downloads it. */
export type FileSource =
  /** A byte-identical public copy: downloaded and checked against `sha256`. */
  | { kind: 'raw'; url: string }
  /** A member of a public zip archive (see DatasetInfo.archives), checked by row count. */
  | { kind: 'zip'; archive: string; entry: string }
  /** Built from a zip archive by a converter in fetch.ts, checked by row count (and sha256 when it reproduces the bytes). */
  | { kind: 'converted'; archive: string; converter: 'bbc-fulltext' }
  /** Rebuilt from other files of the same data set (fetched first) by a converter in smart.ts. */
  | { kind: 'derived'; converter: 'cranfield-beir' | 'cisi-beir'; output: 'corpus' | 'queries' | 'qrels' }
  /** No public copy of this exact file: only `--from <mirror>` can fetch it. */
  | { kind: 'none'; why: string };

export interface DatasetFile {
  /** Path inside `<dataDir>/<dataset>/`. */
  path: string;
  format: FileFormat;
  /** Data rows as stated in SOURCE.md (header excluded); null when SOURCE.md gives none. */
  rows: number | null;
  /** sha256 of the shared copy described by SOURCE.md. */
  sha256: string;
  source: FileSource;
  /** Not read by any loader: its absence does not make the data set incomplete. */
  optional?: boolean;
}

export interface DatasetSplit {
  name: string;
  /** True: evaluation data; training code must not read it (assertTrainingSplit throws). */
  evaluation: boolean;
  /** Rows in this split (pairs, texts, qrels pairs for retrieval, questions for SQuAD). */
  rows: number;
  /** What the split is for, in one line. */
  use: string;
}

export interface DatasetInfo {
  name: string;
  task: DatasetTask;
  description: string;
  files: DatasetFile[];
  splits: DatasetSplit[];
  license: string;
  citation: string;
  /** The original distribution and the mirror the shared copy came from (as in SOURCE.md). */
  origin: string;
  /** Zip archives used by 'zip' and 'converted' file sources: name -> URL. */
  archives?: Record<string, string>;
  /** Passages from this data set may seed FRet and pretraining (only in non-evaluation splits). */
  seedCorpus: boolean;
}

const gh = (repo: string, commit: string, path: string) =>
  `https://raw.githubusercontent.com/${repo}/${commit}/${path}`;

const raw = (url: string): FileSource => ({ kind: 'raw', url });
const noCopy = (why: string): FileSource => ({ kind: 'none', why });

/** Share of AG News / BBC News rows (by a stable hash of the row id) held out for clustering evaluation. */
export const CLUSTER_FRACTION = 0.2;

const SCIFACT_COMMIT = 'c89fe399bf3e91aa4502b10d673b07db27891526';
const CRAN = { repo: 'noramtboraas/information-retrieval', commit: '9e359c7c9f73c54847fef540677c8810ac66c630' };
const CISI = { repo: 'Shakiba-Alipour/Information-Retrieval-on-CISI', commit: '13e80360b2c0ca10d3fbf537d3cb2a213c664c40' };
const STS = { repo: 'zhangzhenhu/Semantic-Texual-Similarity-Toolkits', commit: 'c55a72f51bd15a8bd75114247c06984b432050f9' };
const SICK_FULL = { repo: 'kkalouli/SICK-processing', commit: 'b55cf253c6ae9f5b5c9b287184e34147a5d7fc67' };
const SICK_SEMEVAL = { repo: 'a389965626/Sick-', commit: 'de6e090d5bfc2c33882351954675697591f1ba79' };
const BANKING = { repo: 'PolyAI-LDN/task-specific-datasets', commit: '9d081458ff52e53cf7e848f414e6e9344e4e6696' };
const AMCD = { repo: 'amazon-science/amazon-multilingual-counterfactual-dataset', commit: '8945c5863d8d3f901f8d44343c9db8ad8c454366' };
const AG = { repo: 'little-aztl/NLP-LogLinear', commit: '8db28d05af49b8a572bfba921497c4f5f0795fe8' };
const GNLI = { repo: 'anthonywchen/generative-nli', commit: 'aad500326efe82814047e6ea3b90b5fd8969e36b' };
const ESNLI = { repo: 'OanaMariaCamburu/e-SNLI', commit: '7b585a3f077fdea899780eb0473940522ae44a2e' };
const SYNWMD = { repo: 'amao0o0/SynWMD', commit: '59042a92e862db58bd01e47914345d2f52d2a4a3' };
const BIOSSES = { repo: 'gizemsogancioglu/biosses', commit: '381b24030e06b77f9c50ee245e86c65cd700407a' };

/** The SemEval STS 2012-2016 English test sets (MTEB STS12-STS16): same layout, own counts and terms. */
function semevalSts(
  year: 12 | 13 | 14 | 15 | 16,
  rows: number,
  sha: { test: string; senteval: string },
  subsets: string,
  license: string,
): DatasetInfo {
  const name = `sts${year}`;
  return {
    name,
    task: 'sts',
    description: `SemEval STS 20${year} English test set (MTEB STS${year}), scores 0-5: ${subsets}. Original (not lowercased) text.`,
    files: [
      { path: 'test.tsv', format: 'tsv-quoted-header', rows, sha256: sha.test, source: noCopy(`built from the official release files (raw/, from ${SYNWMD.repo}@${SYNWMD.commit} data/downstream/STS/STS${year}-en-test/); no public copy of this exact file`) },
      { path: 'test_senteval_lower_tok.tsv', format: 'tsv-quoted-header', rows, sha256: sha.senteval, source: noCopy('the SentEval-processed (tokenised, lowercased) text of the same pairs; not read by the loaders'), optional: true },
    ],
    splits: [{ name: 'test', evaluation: true, rows, use: `STS evaluation only (MTEB STS${year}); never training data` }],
    license,
    citation: `Agirre et al. 20${year}. SemEval-20${year} Task${year === 12 ? ' 6' : year === 13 ? ': *SEM 2013 shared task' : year === 14 ? ' 10' : year === 15 ? ' 2' : ' 1'}: Semantic Textual Similarity. Cited as in MTEB STS${year}.`,
    origin: `Official SemEval zip (ixa2.si.ehu.es/stswiki), unpacked in ${SYNWMD.repo}@${SYNWMD.commit}; test.tsv rebuilt from its raw files, pairs without a gold score dropped (SOURCE.md).`,
    seedCorpus: false,
  };
}

const derived = (converter: 'cranfield-beir' | 'cisi-beir', output: 'corpus' | 'queries' | 'qrels'): FileSource => ({ kind: 'derived', converter, output });

/** Every data set, by name. Row counts and file lists follow each folder's SOURCE.md. */
export const DATASETS: Readonly<Record<string, DatasetInfo>> = {
  scifact: {
    name: 'scifact',
    task: 'retrieval',
    description: 'SciFact claims as queries over 5,183 paper abstracts (BEIR layout; BEIR "test" = original SciFact dev).',
    files: [
      { path: 'corpus.jsonl', format: 'jsonl', rows: 5183, sha256: 'd2d0b03f01859f5392dcfd1cd53179ae3d6fdd1291bfa579b2e34b1665e1cef1', source: { kind: 'zip', archive: 'beir', entry: 'scifact/corpus.jsonl' } },
      { path: 'queries.jsonl', format: 'jsonl', rows: 1109, sha256: '90af8c425d13ebd619fb26f8da4cd46c8aa261e5122ae997fce08f858bef3122', source: { kind: 'zip', archive: 'beir', entry: 'scifact/queries.jsonl' } },
      { path: 'qrels/test.tsv', format: 'qrels-tsv', rows: 339, sha256: '68c0ac63f1c24b9e8ce497649694f09b2d0850bab7ec2b103cc66996f5f8b3a3', source: { kind: 'zip', archive: 'beir', entry: 'scifact/qrels/test.tsv' } },
      { path: 'qrels/train.tsv', format: 'qrels-tsv', rows: 919, sha256: 'ac0902d9b1cb717df182aaff1306175877fdb8f55bb5c3e8597ad694fc8e539f', source: { kind: 'zip', archive: 'beir', entry: 'scifact/qrels/train.tsv' } },
      { path: 'claims_train.jsonl', format: 'jsonl', rows: 809, sha256: 'e5c0812be7086c18e9e43b6070073363f2c88c7a81e290e81eab1664990eaf4f', source: noCopy(`converted from data/scifact.zip of sumithra-p-v/claimverifier@${SCIFACT_COMMIT} (original: allenai/scifact); not needed by the loaders`), optional: true },
      { path: 'claims_dev.jsonl', format: 'jsonl', rows: 300, sha256: 'fd131543da3bd16d2495085d7f2872496fbd5cf31434f9bb018e09cc16522b76', source: noCopy('converted from the same zip; not needed by the loaders'), optional: true },
      { path: 'claims_test.jsonl', format: 'jsonl', rows: 300, sha256: '116304420e99fe97b026e4aa27d49ad87ee9683f603715c2ef800bef2df1a403', source: noCopy('converted from the same zip; not needed by the loaders'), optional: true },
    ],
    splits: [
      { name: 'train', evaluation: false, rows: 919, use: '809 train claims / 919 qrels; cite abstracts of the evaluation corpus, so not in the default mixture' },
      { name: 'test', evaluation: true, rows: 339, use: 'retrieval evaluation: 300 claims / 339 qrels (MTEB SciFact)' },
    ],
    license: 'claims CC BY 4.0; abstracts ODC-By 1.0',
    citation: 'Wadden et al. 2020. Fact or Fiction: Verifying Scientific Claims. EMNLP 2020. Thakur et al. 2021. BEIR. NeurIPS 2021 Datasets and Benchmarks.',
    origin: `AllenAI SciFact (https://github.com/allenai/scifact); shared copy converted from sumithra-p-v/claimverifier@${SCIFACT_COMMIT} data/scifact.zip. Fetch: the BEIR zip (same layout and counts; bytes may differ, so checked by row count).`,
    archives: { beir: 'https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/scifact.zip' },
    seedCorpus: false,
  },
  cranfield: {
    name: 'cranfield',
    task: 'retrieval',
    description: 'Cranfield 1400: aeronautics abstracts, 225 queries, graded judgments (score = 5 - code; code -1 -> 0).',
    files: [
      { path: 'corpus.jsonl', format: 'jsonl', rows: 1400, sha256: '00b5d391bbfb0cdf35fa61826e0f07a480f62e6bc4fd2d5e6d4b19618ab697c1', source: derived('cranfield-beir', 'corpus') },
      { path: 'queries.jsonl', format: 'jsonl', rows: 225, sha256: '93040e40af0e46dedd99cb31ebbf990764b21ab130d446f5eb3434069c40122b', source: derived('cranfield-beir', 'queries') },
      { path: 'qrels/test.tsv', format: 'qrels-tsv', rows: 1837, sha256: 'df2819294f47ee6cc2d18b50ff863e244ef4dde30fdd1c21a1aaed1600bf96a4', source: derived('cranfield-beir', 'qrels') },
      { path: 'original/cran.all.1400', format: 'smart', rows: 1400, sha256: 'fbb8935a93263ab6c9fadefb507fd7cd5e101e7fbeb31c12e6bff6dd501315e8', source: raw(gh(CRAN.repo, CRAN.commit, 'cran.all.1400')) },
      { path: 'original/cran.qry', format: 'smart', rows: 225, sha256: '99578ceb88941ef89c14faf7c63c23776a376d8fba319b990f01d0c601d8b03f', source: raw(gh(CRAN.repo, CRAN.commit, 'cran.qry')) },
      { path: 'original/cranqrel', format: 'lines', rows: 1837, sha256: 'a90f56082cd44db70bf2c21ebca39a1a34e37c82ccb5ddf1bcc64f18795234c7', source: raw(gh(CRAN.repo, CRAN.commit, 'cranqrel')) },
      { path: 'original/cranqrel.readme', format: 'text', rows: null, sha256: '5d5b5e72a4799df3e4ea98476ed803b2caac01d90c859a91771ac794971a1ad3', source: raw(gh(CRAN.repo, CRAN.commit, 'cranqrel.readme')) },
    ],
    splits: [{ name: 'test', evaluation: true, rows: 1837, use: 'retrieval evaluation only: 225 queries / 1,837 graded qrels' }],
    license: 'none stated (freely distributed for research for decades)',
    citation: 'Cyril W. Cleverdon. 1967. The Cranfield tests on index language devices. Aslib Proceedings 19(6): 173-194.',
    origin: `University of Glasgow IR group (http://ir.dcs.gla.ac.uk/resources/test_collections/cran/); SMART files from ${CRAN.repo}@${CRAN.commit}; the BEIR files are rebuilt from them (smart.ts, byte-identical to the shared copy).`,
    seedCorpus: false,
  },
  cisi: {
    name: 'cisi',
    task: 'retrieval',
    description: 'CISI: 1,460 library-science abstracts, 112 queries (76 judged), binary judgments.',
    files: [
      { path: 'corpus.jsonl', format: 'jsonl', rows: 1460, sha256: 'd77072b3ca129b22f2cf462b7d68590ab613ede74dc1b86a3afe50e9ce0590e6', source: derived('cisi-beir', 'corpus') },
      { path: 'queries.jsonl', format: 'jsonl', rows: 112, sha256: '16dcd7bc18d26d2b15992a3bd221bd2312b741755ab443791e50fd899f54fb46', source: derived('cisi-beir', 'queries') },
      { path: 'qrels/test.tsv', format: 'qrels-tsv', rows: 3114, sha256: '5ff417257cd005a90a06ad42f0468c791fb862f38cd9b53cac9e516ffe675011', source: derived('cisi-beir', 'qrels') },
      { path: 'original/CISI.ALL', format: 'smart', rows: 1460, sha256: 'c13934ad921234b571e7b424af3461fe39dccb16757cb21954b3aea5250d072e', source: raw(gh(CISI.repo, CISI.commit, 'CISI.ALL')) },
      { path: 'original/CISI.QRY', format: 'smart', rows: 112, sha256: 'b72de0e0cb8aa5c93ac988e5be0400cc18949d0a94913a248783a37dd97d5470', source: raw(gh(CISI.repo, CISI.commit, 'CISI.QRY')) },
      { path: 'original/CISI.REL', format: 'lines', rows: 3114, sha256: 'f7396c92586c61953ccb7ae99ad8d3ac749ac3b989041fc93a9e311568f58997', source: raw(gh(CISI.repo, CISI.commit, 'CISI.REL')) },
      { path: 'original/CISI.BLN', format: 'text', rows: null, sha256: '28967c0e01c9de25cece406de9b7aee4052a72fc8e3364f446544daa19ef9fb5', source: raw(gh(CISI.repo, CISI.commit, 'CISI.BLN')) },
    ],
    splits: [{ name: 'test', evaluation: true, rows: 3114, use: 'retrieval evaluation only: 76 judged queries / 3,114 qrels' }],
    license: 'none stated',
    citation: 'CISI test collection, as distributed with the SMART system / University of Glasgow IR test collections.',
    origin: `University of Glasgow IR group (http://ir.dcs.gla.ac.uk/resources/test_collections/cisi/); SMART files from ${CISI.repo}@${CISI.commit}; the BEIR files are rebuilt from them (smart.ts, byte-identical to the shared copy).`,
    seedCorpus: false,
  },
  stsbenchmark: {
    name: 'stsbenchmark',
    task: 'sts',
    description: 'STS Benchmark: English sentence pairs with similarity scores 0-5 (tab-separated, unquoted, 7 or 9 fields).',
    files: [
      { path: 'sts-train.csv', format: 'lines', rows: 5749, sha256: '0f71910b59aa1ad973c5897f0791f3b0965a92b8f82b1a95f3eea9f4162fda82', source: raw(gh(STS.repo, STS.commit, 'data/stsbenchmark/sts-train.csv')) },
      { path: 'sts-dev.csv', format: 'lines', rows: 1500, sha256: '5d7e944d8b02734b07bfdb5df67db3420c64bed153fcaa1ba47ad03480cf4234', source: raw(gh(STS.repo, STS.commit, 'data/stsbenchmark/sts-dev.csv')) },
      { path: 'sts-test.csv', format: 'lines', rows: 1379, sha256: 'affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a', source: raw(gh(STS.repo, STS.commit, 'data/stsbenchmark/sts-test.csv')) },
      { path: 'readme.txt', format: 'text', rows: null, sha256: 'e9488363d211c32ca5e912954f16eb9233cfed1b5b4b0475d0d812d35d7c8ef1', source: raw(gh(STS.repo, STS.commit, 'data/stsbenchmark/readme.txt')) },
      { path: 'LICENSE.txt', format: 'text', rows: null, sha256: '3dfc3217395f8c5dd05c5f8995f25fe2f8fd258e6dd770b3de480749caee8c70', source: raw(gh(STS.repo, STS.commit, 'data/stsbenchmark/LICENSE.txt')) },
    ],
    splits: [
      { name: 'train', evaluation: false, rows: 5749, use: 'STS training pairs' },
      { name: 'dev', evaluation: true, rows: 1500, use: 'held out for validation / model selection' },
      { name: 'test', evaluation: true, rows: 1379, use: 'STS evaluation (MTEB STSBenchmark)' },
    ],
    license: 'scores CC BY-SA 4.0; sentence texts keep the licenses of their origin data sets (LICENSE.txt)',
    citation: 'Cer et al. 2017. SemEval-2017 Task 1: Semantic Textual Similarity Multilingual and Crosslingual Focused Evaluation. SemEval 2017.',
    origin: `Official Stsbenchmark.tar.gz (http://ixa2.si.ehu.eus/stswiki); unchanged files from ${STS.repo}@${STS.commit}.`,
    seedCorpus: false,
  },
  sick: {
    name: 'sick',
    task: 'sts+nli',
    description: 'SICK: sentence pairs with relatedness 1-5 and entailment labels. Loaders read the SemEval-2014 files.',
    files: [
      { path: 'SICK.txt', format: 'tsv-header', rows: 9840, sha256: '1539c2d059809b5bd40694e26d8121cc85b6b496f91c7b40f2fc83bbd7dcd957', source: raw(gh(SICK_FULL.repo, SICK_FULL.commit, 'SICK.txt')) },
      { path: 'semeval2014/SICK_train.txt', format: 'tsv', rows: 4500, sha256: 'f4d128aad59deb5f3d539a97fb8bf23ee111df99c904387b5025c69b7fc31b81', source: raw(gh(SICK_SEMEVAL.repo, SICK_SEMEVAL.commit, 'SICK_train.txt')) },
      { path: 'semeval2014/SICK_trial.txt', format: 'tsv', rows: 500, sha256: '5e24b7fb1639e20a9c39f34dd2868e0cd05abbddce749063224a822109b9038c', source: raw(gh(SICK_SEMEVAL.repo, SICK_SEMEVAL.commit, 'SICK_trial.txt')) },
      { path: 'semeval2014/SICK_test_annotated.txt', format: 'tsv', rows: 4927, sha256: 'a7b22f10009c0094f213d7ad721152c5d0b63225c9e440fe1d754dbc61b0f21b', source: raw(gh(SICK_SEMEVAL.repo, SICK_SEMEVAL.commit, 'SICK_test_annotated.txt')) },
    ],
    splits: [
      { name: 'train', evaluation: false, rows: 4500, use: 'NLI / relatedness training (SemEval-2014 train file)' },
      { name: 'trial', evaluation: false, rows: 500, use: 'NLI / relatedness training (SemEval-2014 trial file)' },
      { name: 'test', evaluation: true, rows: 4927, use: 'SICK-R evaluation on the SemEval-2014 test file only (MTEB uses all three files)' },
    ],
    license: 'not stated by the sources; SICK release: CC BY-NC-SA 3.0',
    citation: 'Marelli et al. 2014. A SICK cure for the evaluation of compositional distributional semantic models. LREC 2014. Marelli et al. 2014. SemEval-2014 Task 1. SemEval 2014.',
    origin: `CLIC, University of Trento (http://marcobaroni.org/composes/sick.html); SICK.txt from ${SICK_FULL.repo}@${SICK_FULL.commit}, SemEval files from ${SICK_SEMEVAL.repo}@${SICK_SEMEVAL.commit}.`,
    seedCorpus: false,
  },
  banking77: {
    name: 'banking77',
    task: 'classification',
    description: 'Banking77: online-banking queries in 77 intents (RFC-4180 CSV with quoted newlines).',
    files: [
      { path: 'train.csv', format: 'csv-header', rows: 10003, sha256: 'b06e26ac675513959a63135f11b94ea7786ed02da65db93a5650d8838cbc664b', source: raw(gh(BANKING.repo, BANKING.commit, 'banking_data/train.csv')) },
      { path: 'test.csv', format: 'csv-header', rows: 3080, sha256: 'd12d6e3bc4c3103966ae786dc435913c0c563dfa328f5a3646d0e62cfeeb474d', source: raw(gh(BANKING.repo, BANKING.commit, 'banking_data/test.csv')) },
      { path: 'categories.json', format: 'json-array', rows: 77, sha256: '53261da888122daf2d120d925458631d9619e15d82e56052e7a42e535ce32b63', source: raw(gh(BANKING.repo, BANKING.commit, 'banking_data/categories.json')) },
    ],
    splits: [
      { name: 'train', evaluation: false, rows: 10003, use: "the classifier's train set in evaluation; may also feed the training mixture" },
      { name: 'test', evaluation: true, rows: 3080, use: 'classification evaluation (MTEB Banking77Classification)' },
    ],
    license: 'CC BY 4.0',
    citation: 'Casanueva et al. 2020. Efficient Intent Detection with Dual Sentence Encoders. NLP4ConvAI, ACL 2020. arXiv:2003.04807.',
    origin: `Authors' repository ${BANKING.repo}@${BANKING.commit}.`,
    seedCorpus: false,
  },
  amazon_counterfactual: {
    name: 'amazon_counterfactual',
    task: 'classification',
    description: 'Amazon Counterfactual (EN): review sentences labelled counterfactual (1) or not (0). EN-ext files are listed but not loaded.',
    files: [
      { path: 'EN_train.tsv', format: 'tsv-header', rows: 4018, sha256: 'fa1d3db89f133725011f022e1e0bb9ba147b0e9b8b38e15f832ad6192070f7d1', source: raw(gh(AMCD.repo, AMCD.commit, 'data/EN_train.tsv')) },
      { path: 'EN_valid.tsv', format: 'tsv-header', rows: 335, sha256: '47c981cd724394a45c091998ba9fb553ea5c9159aae228b5009ac32a1e51d6be', source: raw(gh(AMCD.repo, AMCD.commit, 'data/EN_valid.tsv')) },
      { path: 'EN_test.tsv', format: 'tsv-header', rows: 670, sha256: 'ca0bbbc8d32e795526b21eba31c6b400e81c192f4d756bafa95c7b71375893d5', source: raw(gh(AMCD.repo, AMCD.commit, 'data/EN_test.tsv')) },
      { path: 'EN-ext_train.tsv', format: 'tsv-header', rows: 8000, sha256: 'eb741daf73fec09af23cb194b6424f533c96280770c7c8a60d87b211a0ae6f72', source: raw(gh(AMCD.repo, AMCD.commit, 'data/EN-ext_train.tsv')) },
      { path: 'EN-ext_valid.tsv', format: 'tsv-header', rows: 666, sha256: '3e054c3c83e893cbec0640aeb2d79bf8fabe1040951d127da3f2fa9a69c05002', source: raw(gh(AMCD.repo, AMCD.commit, 'data/EN-ext_valid.tsv')) },
      { path: 'EN-ext_test.tsv', format: 'tsv-header', rows: 1334, sha256: '7891a0dc26417905718389402f6ea57f1a714f81bd258dbd134d5689e2fb7fd6', source: raw(gh(AMCD.repo, AMCD.commit, 'data/EN-ext_test.tsv')) },
      { path: 'README.txt', format: 'text', rows: null, sha256: 'dc23a448905c40fd323809d15116adf96e39ba280c4f0019ef3ce709b8a08ae3', source: raw(gh(AMCD.repo, AMCD.commit, 'README.txt')) },
    ],
    splits: [
      { name: 'train', evaluation: false, rows: 4018, use: "the classifier's train set in evaluation; may also feed the training mixture" },
      { name: 'valid', evaluation: true, rows: 335, use: 'held out for validation' },
      { name: 'test', evaluation: true, rows: 670, use: 'classification evaluation (MTEB AmazonCounterfactualClassification, en)' },
    ],
    license: 'CC BY-NC 4.0 (repository LICENSE; its README says CC BY-SA 4.0 for the documentation)',
    citation: "O'Neill et al. 2021. I Wish I Would Have Loved This One, But I Didn't - A Multilingual Dataset for Counterfactual Detection in Product Reviews. EMNLP 2021.",
    origin: `Authors' repository ${AMCD.repo}@${AMCD.commit}.`,
    seedCorpus: false,
  },
  mrpc: {
    name: 'mrpc',
    task: 'pair-classification',
    description: 'MRPC: news sentence pairs labelled paraphrase (1) or not (0); BOM, no header line.',
    files: [
      { path: 'msr_paraphrase_train.txt', format: 'lines', rows: 4076, sha256: '2b70c53140816300a37fc7195a43285a09ca204493b7241bfd8ce17cf411b309', source: raw(gh(SICK_SEMEVAL.repo, SICK_SEMEVAL.commit, 'msr_paraphrase_train.txt')) },
      { path: 'msr_paraphrase_test.txt', format: 'lines', rows: 1725, sha256: '209ea8fad226deac2e07e156b2a424cc1ca267c8c9697f8c3d5b369531d7b1d3', source: raw(gh(SICK_SEMEVAL.repo, SICK_SEMEVAL.commit, 'msr_paraphrase_test.txt')) },
    ],
    splits: [
      { name: 'train', evaluation: false, rows: 4076, use: 'paraphrase training pairs' },
      { name: 'test', evaluation: true, rows: 1725, use: 'pair-classification evaluation' },
    ],
    license: 'not stated by the source; Microsoft Research Paraphrase Corpus license agreement',
    citation: 'William B. Dolan and Chris Brockett. 2005. Automatically Constructing a Corpus of Sentential Paraphrases. IWP 2005.',
    origin: `Microsoft Research (MSI installer, not scriptable); unchanged files from mirror ${SICK_SEMEVAL.repo}@${SICK_SEMEVAL.commit}.`,
    seedCorpus: false,
  },
  'squad_v1.1_dev': {
    name: 'squad_v1.1_dev',
    task: 'qa',
    description: 'SQuAD v1.1 dev: 10,570 questions on 2,067 Wikipedia paragraphs (48 articles). Training data here, not evaluated.',
    files: [
      { path: 'dev-v1.1.json', format: 'squad', rows: 10570, sha256: '95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9', source: raw('https://rajpurkar.github.io/SQuAD-explorer/dataset/dev-v1.1.json') },
    ],
    splits: [{ name: 'dev', evaluation: false, rows: 10570, use: 'question-passage training pairs and Wikipedia paragraphs for seeding / pretraining' }],
    license: 'CC BY-SA 4.0 (SQuAD authors)',
    citation: 'Rajpurkar et al. 2016. SQuAD: 100,000+ Questions for Machine Comprehension of Text. EMNLP 2016.',
    origin: 'Official file (https://rajpurkar.github.io/SQuAD-explorer/); shared copy unzipped from pulakdas1999/QnA_using_BERT@c911506578f3d144550cfb164cd96cf8fb0d46da (identical bytes, md5 3e85deb501d4e538b6bc56f786231552).',
    seedCorpus: true,
  },
  ag_news: {
    name: 'ag_news',
    task: 'clustering+classification',
    description: "AG News test split: 7,600 news titles + descriptions in 4 classes. 20% 'cluster' (evaluation), 80% 'corpus' (seeding / pretraining).",
    files: [
      { path: 'test.csv', format: 'csv', rows: 7600, sha256: '521465c2428ed7f02f8d6db6ffdd4b5447c1c701962353eb2c40d548c3c85699', source: raw(gh(AG.repo, AG.commit, 'ag_news_csv/test.csv')) },
      { path: 'classes.txt', format: 'lines', rows: 4, sha256: '612dbfa932f07a6ed837295a7d5746ce7412e7bb4bc32ba919fdb3cda3a1b9b5', source: raw(gh(AG.repo, AG.commit, 'ag_news_csv/classes.txt')) },
      { path: 'readme.txt', format: 'text', rows: null, sha256: '35ce38d325928a36191a23ef7089f5639c09ea70ac65f75b60d48f36b1a66558', source: raw(gh(AG.repo, AG.commit, 'ag_news_csv/readme.txt')) },
    ],
    splits: [
      { name: 'cluster', evaluation: true, rows: 1473, use: 'clustering / classification evaluation (stable 20% hash split of row ids)' },
      { name: 'corpus', evaluation: false, rows: 6121, use: 'seed / pretraining corpus (the other 80%, less 6 rows sharing text with a held-out AG News or BBC News text)' },
    ],
    license: 'research and other non-commercial use (readme.txt)',
    citation: 'Xiang Zhang, Junbo Zhao, Yann LeCun. 2015. Character-level Convolutional Networks for Text Classification. NIPS 2015.',
    origin: `ag_news_csv.tar.gz (Version 3, 2015; originally on Google Drive); unchanged files from ${AG.repo}@${AG.commit}.`,
    seedCorpus: true,
  },
  bbc_news: {
    name: 'bbc_news',
    task: 'clustering+classification',
    description: "BBC News: 2,225 full articles in 5 classes. 20% 'cluster' (evaluation), 80% 'corpus' (seeding / pretraining).",
    files: [
      { path: 'bbc_fulltext.jsonl', format: 'jsonl', rows: 2225, sha256: '381ce09895e89891406a270023ccf75f5b67e7df8a6ac11fe15bd56f4bed09f7', source: { kind: 'converted', archive: 'bbc', converter: 'bbc-fulltext' } },
    ],
    splits: [
      { name: 'cluster', evaluation: true, rows: 448, use: 'clustering / classification evaluation (stable 20% hash split of article ids)' },
      { name: 'corpus', evaluation: false, rows: 1711, use: 'seed / pretraining corpus (the other 80%, less 66 articles sharing their text or a paragraph with a held-out article)' },
    ],
    license: 'article copyright owned by the BBC; distributed for research use',
    citation: 'Derek Greene and Padraig Cunningham. 2006. Practical Solutions to the Problem of Diagonal Dominance in Kernel Document Clustering. ICML 2006.',
    origin: 'http://mlg.ucd.ie/datasets/bbc.html (bbc-fulltext.zip, also HichamSad/News-Categorizer-NeuralFH@b65a9abb9e434bea29f70e9e7bbe0a62e3935cbe); converted to one JSON line per article.',
    archives: { bbc: 'http://mlg.ucd.ie/files/datasets/bbc-fulltext.zip' },
    seedCorpus: true,
  },
  multinli: {
    name: 'multinli',
    task: 'nli',
    description: 'MultiNLI 1.0 dev_matched: 9,815 gold-labelled premise/hypothesis pairs (10 genres). No sentence shared with SICK.',
    files: [
      { path: 'multinli_1.0_dev_matched.jsonl', format: 'jsonl', rows: 9815, sha256: '081af9b80f4fe75aba97d034c0ff21a8017c4d18e3b5b2b0b7612ab2cc3c7bf2', source: raw(gh(GNLI.repo, GNLI.commit, 'data/mnli/dev.jsonl')) },
    ],
    splits: [{ name: 'dev_matched', evaluation: false, rows: 9815, use: 'NLI training pairs (entailment positive, contradiction hard negative); 0 sentences shared with SICK' }],
    license: "OANC's permissive licence for most genres; Fiction: one work CC BY-SA 3.0, two CC BY 3.0, the rest US public domain",
    citation: 'Williams, Nangia and Bowman. 2018. A Broad-Coverage Challenge Corpus for Sentence Understanding through Inference. NAACL 2018.',
    origin: `MultiNLI 1.0 (https://cims.nyu.edu/~sbowman/multinli/); JSONL from ${GNLI.repo}@${GNLI.commit} data/mnli/dev.jsonl (gold-labelled pairs of multinli_1.0_dev_matched).`,
    seedCorpus: false,
  },
  snli: {
    name: 'snli',
    task: 'nli',
    description: "SNLI 1.0 dev: 9,842 gold-labelled pairs; 'dev_nosick' drops the 94 pairs sharing a sentence with SICK. Tokenised test (e-SNLI) listed, not loaded.",
    files: [
      { path: 'snli_1.0_dev.jsonl', format: 'jsonl', rows: 9842, sha256: '4610d85664b3fa453c33fbbbc006ac870aaa1435ad1583b944af027673f5c3d4', source: raw(gh(GNLI.repo, GNLI.commit, 'data/snli/dev.jsonl')) },
      { path: 'snli_1.0_dev.noSICK.jsonl', format: 'jsonl', rows: 9748, sha256: '2e49757445055174fac3d6dea04971d46e300fd82a293d060418d85a2b148630', source: noCopy('snli_1.0_dev.jsonl less the 94 pairs with a sentence (or source caption) found in SICK, built for the shared copy (SOURCE.md)') },
      { path: 'esnli_tokenized/s1.test', format: 'lines', rows: 9824, sha256: '62cb8107dc3c56a4376e5e521842be24e0d61c92c346b94917da2bbf2a47d8be', source: raw(gh(ESNLI.repo, ESNLI.commit, 'dataset/eSNLI/s1.test')), optional: true },
      { path: 'esnli_tokenized/s2.test', format: 'lines', rows: 9824, sha256: '1174f3ad30a3c30fc0f9eeffc1b3b6a79e0514026c5a658968a8e2a324b311a1', source: raw(gh(ESNLI.repo, ESNLI.commit, 'dataset/eSNLI/s2.test')), optional: true },
      { path: 'esnli_tokenized/labels.test', format: 'lines', rows: 9824, sha256: 'e25c363e5cc70d5494d6e6555d8053eced22dca836e0f03067530eaad3d4f5f5', source: raw(gh(ESNLI.repo, ESNLI.commit, 'dataset/eSNLI/labels.test')), optional: true },
      { path: 'esnli_tokenized/s1.dev', format: 'lines', rows: 9842, sha256: '28a398b5478b10b4b851d4bb5b2e5767171519add6586015ed50b9436df11d00', source: raw(gh(ESNLI.repo, ESNLI.commit, 'dataset/eSNLI/s1.dev')), optional: true },
      { path: 'esnli_tokenized/s2.dev', format: 'lines', rows: 9842, sha256: 'a8c59709630b64ba103f7784c0cb7104a6baf23234562487264d9634714f5d2b', source: raw(gh(ESNLI.repo, ESNLI.commit, 'dataset/eSNLI/s2.dev')), optional: true },
      { path: 'esnli_tokenized/labels.dev', format: 'lines', rows: 9842, sha256: 'd164d72435c3289fe53cb01e983f7c06e104bf192c0cae9caf2e99bf2e15f974', source: raw(gh(ESNLI.repo, ESNLI.commit, 'dataset/eSNLI/labels.dev')), optional: true },
    ],
    splits: [
      { name: 'dev', evaluation: false, rows: 9842, use: 'NLI training pairs; 94 of them share a sentence with SICK (use dev_nosick next to SICK-R evaluation)' },
      { name: 'dev_nosick', evaluation: false, rows: 9748, use: 'NLI training pairs with 0 overlap with SICK (the default SNLI split)' },
      { name: 'test', evaluation: true, rows: 9824, use: 'held out (tokenised e-SNLI copy); not evaluated here, kept out of training' },
    ],
    license: 'CC BY-SA 4.0',
    citation: 'Bowman, Angeli, Potts and Manning. 2015. A large annotated corpus for learning natural language inference. EMNLP 2015.',
    origin: `SNLI 1.0 (https://nlp.stanford.edu/projects/snli/); dev JSONL from ${GNLI.repo}@${GNLI.commit} data/snli/dev.jsonl; tokenised copies from ${ESNLI.repo}@${ESNLI.commit} dataset/eSNLI/.`,
    seedCorpus: false,
  },
  sts12: semevalSts(12, 3108, { test: '186c68e93ff887fd751f8e5d9fc6ef40deba001e5f51e987136aaebcd8d5acc6', senteval: '474653a6437cac10de6d379314a8a7d8c62730a6b8e573f27e5d5477de363d7f' },
    'MSRpar 750, MSRvid 750, SMTeuroparl 459, surprise.OnWN 750, surprise.SMTnews 399',
    'research-only SemEval 2012 terms: MSRpar/MSRvid under the Microsoft Research licence terms; SMTeuroparl/SMTnews from WMT, OnWN from OntoNotes/WordNet; no open licence'),
  sts13: semevalSts(13, 1500, { test: 'c7e55a125eeca81e8964caf6cf76e92ebb617f6ef243e938f78ef5f6c7cc8c3d', senteval: '57cd9a771de63d1f03a56cd145638496263c0d1ad5c704219faf71bf9306a514' },
    'FNWN 189, headlines 750, OnWN 561 (SMT is LDC-only, as in SentEval/MTEB)',
    'SemEval 2013 terms: headlines from the European Media Monitor, FNWN FrameNet/WordNet, OnWN OntoNotes/WordNet; no single open licence'),
  sts14: semevalSts(14, 3750, { test: '481c51b7b2fe4fa98898ca69e1786342e20602788b71d2b5b52f5e75fb71abd8', senteval: 'c6f8618fd8cbeb7513355df787f81dac2309873c8e6248fbf61c16b716403b12' },
    'deft-forum 450, deft-news 300, headlines 750, images 750, OnWN 750, tweet-news 750',
    'SemEval 2014 terms: images are PASCAL VOC-2008 captions (CC BY-SA); news, forum, tweet and WordNet text otherwise; no single open licence'),
  sts15: semevalSts(15, 3000, { test: '55b7b874155f0e6e2d3bbcbe9a7b1a368a41d9641ff134d87c2c14a1efa82b8d', senteval: '44b55c3b0864e8a83b19ca99253128223bcc50d6ca0520348cbd81ece9416f32' },
    'answers-forums 375, answers-students 750, belief 375, headlines 750, images 750',
    'SemEval 2015 terms: answers-forums is Stack Exchange text (CC BY-SA 3.0), images PASCAL captions (CC BY-SA)'),
  sts16: semevalSts(16, 1186, { test: '87fdf68a4187a0c69918c213b19cdd8ee51d03c5046c706dda74919dafba94bb', senteval: '0a5ac7924c1fc2d26fad7a0ec51bac71db96d20f78854ff6c4bb132c608bf8e9' },
    'answer-answer 254, headlines 249, plagiarism 230, postediting 244, question-question 209',
    'NON-COMMERCIAL PART: plagiarism (230 pairs) is the Clough & Stevenson corpus, CC BY-NC-SA 2.0 UK; question-question and answer-answer Stack Exchange (CC BY-SA 3.0); postediting EAMT11 (CC BY 4.0); headlines EMM (acknowledge EMM)'),
  biosses: {
    name: 'biosses',
    task: 'sts',
    description: 'BIOSSES: 100 biomedical sentence pairs, score = mean of 5 expert scores (0-4), as in MTEB BIOSSES.',
    files: [
      { path: 'biosses.tsv', format: 'tsv-header', rows: 100, sha256: 'fb5ec06a30e8632ec219024cdc94e42798efd118ec40321c44b290dd78233ac5', source: noCopy("parsed from the two .docx tables inside the authors' BIOSSES-Dataset.rar for the shared copy (SOURCE.md); no public TSV of these bytes") },
      { path: 'original/BIOSSES-Dataset.rar', format: 'text', rows: null, sha256: 'f24b7e9756449e42873bd2e30603b3859eea699a7b991cf75554c27c0c562cb3', source: raw(gh(BIOSSES.repo, BIOSSES.commit, 'sses-frontend/Downloads/BIOSSES-Dataset.rar')), optional: true },
    ],
    splits: [{ name: 'test', evaluation: true, rows: 100, use: 'STS evaluation only (MTEB BIOSSES)' }],
    license: "GPL-3.0 (the authors' repository LICENSE; HF bigbio/biosses lists GPL-3.0); the sentences are quoted from scientific articles",
    citation: 'Soğancıoğlu, Öztürk and Özgür. 2017. BIOSSES: a semantic sentence similarity estimation system for the biomedical domain. Bioinformatics 33(14): i49-i58.',
    origin: `Authors' repository ${BIOSSES.repo}@${BIOSSES.commit} (sses-frontend/Downloads/BIOSSES-Dataset.rar, RAR v4); sentences from the TAC 2014 Biomedical Summarization Track.`,
    seedCorpus: false,
  },
};

/** Names of all data sets, in registry order. */
export const DATASET_NAMES: readonly string[] = Object.keys(DATASETS);

/**
 * The registry entry of a data set; a GeckoError listing the known names otherwise.
 * @example getDataset('banking77').task === 'classification'
 */
export function getDataset(name: string): DatasetInfo {
  const info = Object.hasOwn(DATASETS, name) ? DATASETS[name] : undefined; // never Object.prototype's names
  if (!info) throw new GeckoError(`unknown data set '${name}'`, `known data sets: ${DATASET_NAMES.join(', ')}`);
  return info;
}

/**
 * One split of a data set; a GeckoError listing the split names otherwise.
 * @example getSplit('sick', 'test').evaluation === true
 */
export function getSplit(dataset: string, split: string): DatasetSplit {
  const info = getDataset(dataset);
  const s = info.splits.find((x) => x.name === split);
  if (!s) {
    throw new GeckoError(`data set '${dataset}' has no split '${split}'`,
      `splits of ${dataset}: ${info.splits.map((x) => x.name).join(', ')}`);
  }
  return s;
}

/** @example isEvaluationSplit('stsbenchmark', 'train') === false */
export function isEvaluationSplit(dataset: string, split: string): boolean {
  return getSplit(dataset, split).evaluation;
}

/** Splits training code may read, as `{dataset, split}` pairs. */
export function trainingSplits(): { dataset: string; split: string }[] {
  return DATASET_NAMES.flatMap((d) => DATASETS[d]!.splits.filter((s) => !s.evaluation).map((s) => ({ dataset: d, split: s.name })));
}

/**
 * The leak guard: throws when training code asks for an evaluation split (or an unknown one).
 * Call it at the top of anything that turns data into training examples or seed passages.
 * @example assertTrainingSplit('banking77', 'train'); // ok
 * @example assertTrainingSplit('banking77', 'test');  // throws GeckoError
 */
export function assertTrainingSplit(dataset: string, split: string): void {
  const s = getSplit(dataset, split);
  if (s.evaluation) {
    const allowed = getDataset(dataset).splits.filter((x) => !x.evaluation).map((x) => x.name);
    throw new GeckoError(
      `leak guard: '${dataset}' split '${split}' is an EVALUATION split (${s.use}); training code must not read it`,
      allowed.length
        ? `use a training split of ${dataset}: ${allowed.join(', ')}`
        : `${dataset} is evaluation-only; take training data from another data set (see trainingSplits())`,
    );
  }
}
