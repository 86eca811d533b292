#!/usr/bin/env node
// Generates TypeScript types from the .avsc contracts in ../avro (the single source of truth).
// Run by the package's build; src/types.spec.ts fails when the checked-in output is stale.
// Output per schema: src/generated/<file>.generated.ts with one interface per record, one string
// union per enum, and the schema itself (so runtime code never reads the .avsc from disk).
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS build script run by node */
const { readFileSync, writeFileSync, readdirSync } = require('node:fs');
const { join, basename } = require('node:path');
const avro = require('avsc');

const AVRO_DIR = join(__dirname, '..', 'avro');
const OUT_DIR = join(__dirname, '..', 'src', 'generated');

const PRIMITIVES = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

const LOGICAL_NOTES = {
  'timestamp-millis': 'epoch milliseconds',
  'timestamp-micros': 'epoch microseconds',
  uuid: 'UUID string',
  date: 'days since epoch',
};

/** PascalCase identifier for a schema file name: `telemetry-batch.v1.avsc` → `TelemetryBatchV1`. */
function constName(file) {
  return basename(file, '.avsc')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}

function docComment(doc, indent, extra) {
  const lines = [doc, extra].filter(Boolean).join(' — ');
  if (!lines) return '';
  return `${indent}/** ${lines.replace(/\*\//g, '*\\/')} */\n`;
}

/** The TypeScript source generated for one parsed .avsc document. */
function generate(schema, file) {
  // Fail on anything avsc would refuse, so the generator never accepts an invalid contract.
  avro.Type.forSchema(schema);
  const decls = [];
  const seen = new Map();

  const shortName = (name) => name.split('.').pop();
  function tsType(s, ns) {
    if (typeof s === 'string') {
      if (s in PRIMITIVES) return PRIMITIVES[s];
      const full = s.includes('.') ? s : `${ns}.${s}`;
      const known = seen.get(full) ?? seen.get(s);
      if (!known) throw new Error(`${file}: unknown named type ${s}`);
      return known;
    }
    if (Array.isArray(s)) {
      const branches = s.map((b) => tsType(b, ns));
      return branches.join(' | ');
    }
    switch (s.type) {
      case 'record':
      case 'error': {
        const namespace = s.namespace ?? (s.name.includes('.') ? s.name.split('.').slice(0, -1).join('.') : ns);
        const name = shortName(s.name);
        seen.set(`${namespace}.${name}`, name);
        seen.set(name, name);
        const fields = s.fields.map((f) => {
          const t = tsType(f.type, namespace);
          const logical = typeof f.type === 'object' && !Array.isArray(f.type) && f.type.logicalType ? LOGICAL_NOTES[f.type.logicalType] ?? f.type.logicalType : undefined;
          const dflt = f.default !== undefined ? `default ${JSON.stringify(f.default)}` : undefined;
          return `${docComment(f.doc, '  ', [logical, dflt].filter(Boolean).join('; '))}  ${f.name}: ${t};\n`;
        });
        decls.push(`${docComment(s.doc, '', `Avro record ${namespace}.${name}`)}export interface ${name} {\n${fields.join('')}}\n`);
        return name;
      }
      case 'enum': {
        const namespace = s.namespace ?? ns;
        const name = shortName(s.name);
        seen.set(`${namespace}.${name}`, name);
        seen.set(name, name);
        decls.push(
          `${docComment(s.doc, '', `Avro enum ${namespace}.${name}`)}export type ${name} = ${s.symbols.map((x) => JSON.stringify(x)).join(' | ')};\n` +
            `/** Symbols of ${name}, in schema order. */\nexport const ${name}Symbols = ${JSON.stringify(s.symbols)} as const;\n`,
        );
        return name;
      }
      case 'array':
        return `Array<${tsType(s.items, ns)}>`;
      case 'map':
        return `Record<string, ${tsType(s.values, ns)}>`;
      case 'fixed':
        return 'Buffer';
      default:
        if (s.type in PRIMITIVES) return PRIMITIVES[s.type];
        throw new Error(`${file}: unsupported schema ${JSON.stringify(s)}`);
    }
  }
  const root = tsType(schema, schema.namespace ?? '');
  const c = constName(file);
  return (
    `// GENERATED from libs/schemas/avro/${file} by scripts/generate-types.cjs — do not edit.\n` +
    `// Regenerate with \`npm run generate -w @vigil/schemas\` (the build does it too).\n\n` +
    decls.join('\n') +
    `\n/** The Avro schema of ${file}, verbatim. */\nexport const ${c}Schema = ${JSON.stringify(schema, null, 2)} as const;\n\n` +
    `/** Root record of ${file}. */\nexport type ${c} = ${root};\n`
  );
}

/** Every contract: file name → generated source. */
function generateAll() {
  const out = {};
  for (const file of readdirSync(AVRO_DIR).filter((f) => f.endsWith('.avsc')).sort()) {
    const schema = JSON.parse(readFileSync(join(AVRO_DIR, file), 'utf8'));
    out[`${basename(file, '.avsc')}.generated.ts`] = generate(schema, file);
  }
  return out;
}

module.exports = { generate, generateAll, OUT_DIR };

if (require.main === module) {
  for (const [name, text] of Object.entries(generateAll())) writeFileSync(join(OUT_DIR, name), text);
}
