// bin/weftd: the server.
import { WeftError } from '../errors.js';
import { READY_FD_ENV, startDaemon } from '../native/index.js';
import { START_DIR_ENV, helpText, parseCommandLine } from '../process-types/main/cli.js';
import { runMain } from '../process-types/main/main-process.js';
import { versionText } from '../process-types/main/version-text.js';

async function weftd(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (e) {
    process.stderr.write(`${(e as WeftError).message}\n`);
    process.exit(1);
  }
  if (parsed.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (parsed.kind === 'version') {
    process.stderr.write(versionText(parsed.titlePrefix));
    return;
  }
  const { options } = parsed;
  if (!options.noDaemon && process.env[READY_FD_ENV] === undefined) {
    const result = await startDaemon([process.argv[1], ...argv], { ...process.env, [START_DIR_ENV]: options.startDir });
    if (!result.ok) {
      process.stderr.write(`weftd: ${result.reason}\n`);
      process.exit(1);
    }
    process.exit(0);
  }
  await runMain(options);
}

void weftd(process.argv.slice(2));
