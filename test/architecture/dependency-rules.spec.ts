import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

// STYLE.md §2: the dependency rules, enforced by parsing every source file's imports and calls.
const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true, recursive: true }).flatMap((entry) => {
    const full = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    return entry.isFile() && full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

interface Finding {
  file: string;
  line: number;
  what: string;
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

function importsOf(sf: ts.SourceFile): { spec: string; line: number }[] {
  const out: { spec: string; line: number }[] = [];
  const visit = (node: ts.Node) => {
    let spec: string | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      spec = node.moduleSpecifier.text;
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0]) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      spec = (node.arguments[0] as ts.StringLiteral).text;
    }
    if (spec !== undefined) out.push({ spec, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Where a relative import lands, as a top-level folder of the repo (`domain`, `infra`, ...). */
function topFolderOf(fromFile: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const target = path.relative(ROOT, path.resolve(path.dirname(fromFile), spec));
  return target.split(path.sep)[0];
}

const FORBIDDEN_IN_DOMAIN = [/^@nestjs\//, /^typeorm/, /^class-validator/, /^class-transformer/, /^nats/, /^pg($|\/)/, /^@eventstore\//, /^node:/, /^(fs|path|crypto|os|child_process|net|http|https|events|stream|util|worker_threads|dgram|dns|tls)$/];

function domainViolations(file: string): Finding[] {
  const sf = parse(file);
  const rel = path.relative(ROOT, file);
  const findings: Finding[] = [];
  for (const { spec, line } of importsOf(sf)) {
    if (FORBIDDEN_IN_DOMAIN.some((re) => re.test(spec))) findings.push({ file: rel, line, what: `imports ${spec}` });
    else if (!spec.startsWith('.')) findings.push({ file: rel, line, what: `imports package ${spec} (domain/ imports only domain/)` });
    else if (topFolderOf(file, spec) === 'test' && file.endsWith('.spec.ts')) continue; // specs use test/support helpers
    else if (topFolderOf(file, spec) !== 'domain') findings.push({ file: rel, line, what: `imports ${spec} outside domain/` });
  }
  const visit = (node: ts.Node) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const call = node.expression.getText(sf);
      if (call === 'Date.now' || call === 'Math.random' || call === 'crypto.randomUUID' || call === 'performance.now') {
        findings.push({ file: rel, line, what: `calls ${call}() (time and randomness arrive in command metadata)` });
      }
    }
    if (ts.isNewExpression(node) && node.expression.getText(sf) === 'Date' && (node.arguments?.length ?? 0) === 0) {
      findings.push({ file: rel, line, what: 'calls new Date() without an argument (read time from command metadata)' });
    }
    if (ts.isIdentifier(node) && node.text === 'process' && !ts.isPropertyAccessExpression(node.parent)) {
      // bare `process` reference as a value
      findings.push({ file: rel, line, what: 'uses process' });
    } else if (ts.isPropertyAccessExpression(node) && node.expression.getText(sf) === 'process') {
      findings.push({ file: rel, line, what: `uses ${node.getText(sf)}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

function layerViolations(folder: string, forbiddenTop: string[]): Finding[] {
  return sourceFiles(folder).flatMap((file) =>
    importsOf(parse(file))
      .filter(({ spec }) => forbiddenTop.includes(topFolderOf(file, spec) ?? ''))
      .map(({ spec, line }) => ({ file: path.relative(ROOT, file), line, what: `imports ${spec}` })),
  );
}

function envReads(folder: string): Finding[] {
  return sourceFiles(folder)
    .filter((file) => !path.relative(ROOT, file).startsWith(path.join('infra', 'config')) && !file.endsWith('.spec.ts'))
    .flatMap((file) => {
      const sf = parse(file);
      const found: Finding[] = [];
      const visit = (node: ts.Node) => {
        if (ts.isPropertyAccessExpression(node) && node.getText(sf) === 'process.env') {
          found.push({ file: path.relative(ROOT, file), line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, what: 'reads process.env' });
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
      return found;
    });
}

const show = (f: Finding[]) => f.map((x) => `${x.file}:${x.line} ${x.what}`);

describe('dependency rules (STYLE.md §2)', () => {
  it('finds the domain sources it checks', () => {
    expect(sourceFiles('domain').length).toBeGreaterThan(0);
  });

  it('domain/ imports only domain/ and reads no clock, randomness or process', () => {
    expect(show(sourceFiles('domain').flatMap(domainViolations))).toEqual([]);
  });

  it('projections/ never imports apps/ or infra/', () => {
    expect(show(layerViolations('projections', ['apps', 'infra']))).toEqual([]);
  });

  it('infra/ never imports apps/', () => {
    expect(show(layerViolations('infra', ['apps']))).toEqual([]);
  });

  it('process.env is read only in infra/config', () => {
    expect(show([...envReads('apps'), ...envReads('domain'), ...envReads('projections'), ...envReads('infra')])).toEqual([]);
  });

  it('the checker itself catches a forbidden import and a clock read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rules-probe-'));
    const probe = path.join(dir, 'probe.ts');
    try {
      fs.writeFileSync(probe, "import { Client } from 'pg';\nimport * as fs from 'node:fs';\nexport const t = Date.now();\nexport const d = new Date();\n");
      const what = domainViolations(probe).map((f) => f.what);
      expect(what).toEqual(expect.arrayContaining(['imports pg', 'imports node:fs', expect.stringContaining('Date.now'), expect.stringContaining('new Date()')]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
