import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UnknownNameError } from '@geoparam/core';
import {
  ARCHITECTURES,
  Geometric,
  METHODS,
  PARAMETERIZATION_NAMES,
  VARIANTS,
  createParameterization,
  denseGeometry,
  methodFacts,
  methodLabel,
  paperLearningRate,
  resolveParameterizationName,
  resolveVariant,
} from '@geoparam/parameterizations';
import { describeEachBackend, expectClose } from '@geoparam/test-utils';

describe('method registry', () => {
  it('has one entry per parameterization, with the paper\'s labels in Table 1 order', () => {
    expect(METHODS.map((m) => m.name).sort()).toEqual([...PARAMETERIZATION_NAMES].sort());
    expect(METHODS.map((m) => m.label)).toEqual(['SP', 'WN', 'BN', 'WN+MBN', 'GmP']);
    for (const m of METHODS) expect(methodFacts(m.name)).toBe(m);
  });

  it('has the network variants in Table 2 order, each pointing at its parameterization', () => {
    expect(VARIANTS.map((v) => [v.key, v.label, v.parameterization, v.imn])).toEqual([
      ['sp', 'SP', 'standard', false],
      ['wn', 'WN', 'weightNorm', false],
      ['wn+mbn', 'WN+MBN', 'meanOnlyBatchNorm', false],
      ['bn', 'BN', 'batchNorm', false],
      ['gmp', 'GmP', 'geometric', false],
      ['gmp+imn', 'GmP+IMN', 'geometric', true],
    ]);
  });

  it('resolves aliases in any case, variants by key or by method, and names unknown ones', () => {
    expect(['sp', 'wn', 'bn', 'mbn', 'wn+mbn', 'gmp', 'GmP', 'geometric'].map(resolveParameterizationName)).toEqual([
      'standard',
      'weightNorm',
      'batchNorm',
      'meanOnlyBatchNorm',
      'meanOnlyBatchNorm',
      'geometric',
      'geometric',
      'geometric',
    ]);
    expect(resolveVariant('GmP+IMN').key).toBe('gmp+imn');
    expect(resolveVariant('geometric').key).toBe('gmp');
    expect(resolveVariant('mbn').key).toBe('wn+mbn');
    expect(() => methodFacts('spectral')).toThrow(UnknownNameError);
    expect(() => resolveVariant('gmp+bn')).toThrow(/unknown variant "gmp\+bn"; known: sp, wn, wn\+mbn, bn, gmp, gmp\+imn/);
  });

  it('labels method and variant names, and returns other names unchanged', () => {
    expect(['standard', 'meanOnlyBatchNorm', 'geometric', 'gmp+imn', 'wn+mbn', 'bn'].map(methodLabel)).toEqual(['SP', 'WN+MBN', 'GmP', 'GmP+IMN', 'WN+MBN', 'BN']);
    expect(methodLabel('ensemble')).toBe('ensemble');
  });

  it('holds the paper\'s learning rates (primer §5): GmP 0.1 and the others 0.01, ResNet all 0.1', () => {
    const table = Object.fromEntries(VARIANTS.map((v) => [v.key, ARCHITECTURES.map((a) => paperLearningRate(v.key, a))]));
    expect(table).toEqual({
      sp: [0.01, 0.01, 0.1],
      wn: [0.01, 0.01, 0.1],
      'wn+mbn': [0.01, 0.01, 0.1],
      bn: [0.01, 0.01, 0.1],
      gmp: [0.1, 0.1, 0.1],
      'gmp+imn': [0.1, 0.1, 0.1],
    });
    expect(paperLearningRate('geometric', 'mlp')).toBe(0.1);
    expect(paperLearningRate('meanOnlyBatchNorm', 'mlp')).toBe(0.01);
  });

  it('gives WN a weight-normalized output layer and every other method a plain one (the reference MLPs)', () => {
    expect(Object.fromEntries(METHODS.map((m) => [m.name, m.referenceOutputLayer]))).toEqual({
      standard: 'standard',
      weightNorm: 'weightNorm',
      batchNorm: 'standard',
      meanOnlyBatchNorm: 'standard',
      geometric: 'standard',
    });
  });

  it('is the only place that compares method names or spells a label (no other package source does)', () => {
    const packages = path.join(__dirname, '../..');
    const own = path.join(packages, 'parameterizations/src/methods');
    const pattern = /[=!]==\s*['"](standard|weightNorm|batchNorm|meanOnlyBatchNorm|geometric)['"]|startsWith\(['"]gmp|['"](SP|WN|BN|GmP|WN\+MBN|GmP\+IMN)['"]/;
    const offenders: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (file !== own && entry.name !== 'node_modules') visit(file);
        } else if (/\.(ts|tsx|mts)$/.test(entry.name)) {
          fs.readFileSync(file, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (pattern.test(line)) offenders.push(`${path.relative(packages, file)}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    for (const pkg of fs.readdirSync(packages)) {
      const src = path.join(packages, pkg, 'src');
      if (fs.existsSync(src)) visit(src);
    }
    expect(offenders).toEqual([]);
  });
});

describeEachBackend('signed output scale (how a negative GmP radius converts)', () => {
  it('only GmP has one; it reads r and makes it non-negative, leaving angles and offsets alone', () => {
    expect(METHODS.filter((m) => m.signedOutputScale).map((m) => m.name)).toEqual(['geometric']);
    const signed = methodFacts('geometric').signedOutputScale!;
    for (const fanIn of [1, 3]) {
      const p = createParameterization('geometric', denseGeometry(fanIn, 4), { seed: 2 }) as Geometric;
      tf.tidy(() => {
        const kernel = tf.tensor2d(Array.from({ length: fanIn * 4 }, (_, i) => (i % 3) - 1.2), [fanIn, 4]);
        p.rightInverse(kernel, tf.tensor1d([0.5, -0.25, 1, -2]));
        const r = p.radius();
        p.variables['geometry']!.assign(tf.concat([tf.slice(p.variables['geometry']!, [0, 0], [fanIn, 4]), tf.reshape(tf.mul(r, tf.tensor1d([-1, 1, -1, 1])), [1, 4])], 0));
      });
      const before = tf.tidy(() => tf.slice(p.variables['geometry']!, [0, 0], [fanIn, 4]));
      const radiiBefore = signed.read(p);
      const start = tf.memory().numTensors;
      signed.makeNonNegative(p);
      expect(tf.memory().numTensors).toBe(start);
      const radiiAfter = signed.read(p);
      tf.tidy(() => expectClose(radiiAfter, tf.abs(radiiBefore), { atol: 0, rtol: 0 }));
      expect(Array.from(radiiBefore.dataSync()).filter((r) => r < 0)).toHaveLength(2);
      tf.tidy(() => expectClose(tf.slice(p.variables['geometry']!, [0, 0], [fanIn, 4]), before, { atol: 0, rtol: 0 }));
      tf.dispose([before, radiiBefore, radiiAfter]);
      p.dispose();
    }
  });

  it('refuses a parameterization of another method by name', () => {
    const p = createParameterization('standard', denseGeometry(2, 2));
    expect(() => methodFacts('geometric').signedOutputScale!.read(p)).toThrow(/expected a geometric parameterization, got standard/);
    p.dispose();
  });
});
