// Every process main starts runs this: the generic boot path of the kernel,
// with the process types Weft ships (and those of WEFT_PLUGINS modules).
import 'reflect-metadata';

import { takeBootInfo } from './kernel/boot/boot-info.js';
import { bootProcess } from './kernel/boot/bootstrap.js';
import { defaultServices } from './kernel/container.js';
import { formatLogLine } from './kernel/log/format.js';
import { processTypeRegistry } from './process-types/index.js';
import { METHOD_CALLERS } from './protocol/callers.js';

const boot = takeBootInfo();
if (!boot) {
  process.stderr.write('this program is started by weftd, not by hand\n');
  process.exit(2);
}

bootProcess(boot, processTypeRegistry(boot.typeModules), defaultServices(), METHOD_CALLERS).catch((e: Error) => {
  // Only failures before the channel to main exists land here.
  process.stderr.write(formatLogLine('error', process.pid, process.pid, `${boot.name}: start-up failed: ${e.message}`));
  process.exit(1);
});
