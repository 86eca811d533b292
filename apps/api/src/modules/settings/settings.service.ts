import { Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit.service';
import { AuditService } from '../audit/audit.service';
import { SettingsRepository } from './settings.repository';

/** The security settings an admin changes at run time. */
export interface SecuritySettings {
  /** Admins must enrol a TOTP second factor before doing anything else. */
  requireTotpForAdmins: boolean;
  /** An analyst's "accept into baseline" becomes a request an admin approves or rejects. */
  fourEyesBaselineAcceptance: boolean;
}

export const DEFAULT_SETTINGS: SecuritySettings = { requireTotpForAdmins: false, fourEyesBaselineAcceptance: false };

/** Re-read at most this often: every request's guard consults the settings. */
const CACHE_MS = 2_000;

@Injectable()
export class SettingsService {
  private cached: { at: number; value: SecuritySettings } | undefined;

  constructor(
    private readonly settings: SettingsRepository,
    private readonly audit: AuditService,
  ) {}

  async get(): Promise<SecuritySettings> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.value;
    const stored = await this.settings.all();
    const value: SecuritySettings = {
      requireTotpForAdmins: stored.requireTotpForAdmins === true,
      fourEyesBaselineAcceptance: stored.fourEyesBaselineAcceptance === true,
    };
    this.cached = { at: Date.now(), value };
    return value;
  }

  /** Change some settings; each change is audited with its old and new value. */
  async update(change: Partial<SecuritySettings>, actor: Actor): Promise<SecuritySettings> {
    const before = await this.get();
    for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof SecuritySettings)[]) {
      const value = change[key];
      if (value === undefined || value === before[key]) continue;
      await this.settings.set(key, value, actor.username);
      await this.audit.record(actor, { action: 'settings.change', target: key, details: { from: before[key], to: value } });
    }
    this.cached = undefined;
    return this.get();
  }
}
