import { ApiProperty } from '@nestjs/swagger';
import { RULE_SEVERITIES } from '@vigil/common';

/** A named exception of a rule. */
export class RuleExceptionDto {
  @ApiProperty({ example: 'password-tools' }) name!: string;
  @ApiProperty({ required: false }) reason?: string;
}

/** One known-bad rule with its ATT&CK mapping, as the stream analyzer loaded it. */
export class RuleDto {
  @ApiProperty({ example: 'credential-file-read' }) id!: string;
  @ApiProperty({ example: 'Password hashes read (/etc/shadow)' }) title!: string;
  @ApiProperty({ example: 'TA0006', description: 'ATT&CK tactic id' }) tactic!: string;
  @ApiProperty({ example: 'Credential Access' }) tacticName!: string;
  @ApiProperty({ example: 'T1003.008', description: 'ATT&CK technique id' }) technique!: string;
  @ApiProperty({ enum: RULE_SEVERITIES }) severity!: string;
  @ApiProperty({ enum: ['stable', 'incubating', 'sandbox'] }) maturity!: string;
  @ApiProperty({ enum: ['native', 'sigma', 'engine'], description: 'native: a Vigil rule file; sigma: a Sigma rule; engine: a detection of the engine itself (a burst, a first run)' }) source!: string;
  @ApiProperty({ example: 'credential-access.yaml', description: 'rule file, relative to the rules directory' }) file!: string;
  @ApiProperty({ enum: ['process', 'exec', 'file', 'network', 'security'] }) event!: string;
  @ApiProperty({ description: 'true: fires only once the program baseline is active and never saw the event' }) baselineNever!: boolean;
  @ApiProperty() rationale!: string;
  @ApiProperty({ type: [String] }) falsePositives!: string[];
  @ApiProperty({ type: [RuleExceptionDto] }) exceptions!: RuleExceptionDto[];
  @ApiProperty({ description: 'when the analyzer published it (ISO 8601)' }) publishedAt!: string;
}
