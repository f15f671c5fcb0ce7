"""Reflex configuration, derived from the portal settings (see portal_app/settings.py)."""

import json

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from portal_app.settings import get_settings

settings = get_settings()

# Radix Themes colors the portal's components use (accent, gray and every
# color_scheme in portal_app/); a color_scheme outside this list renders without color.
RADIX_COLORS = ("indigo", "slate", "gray", "red", "green", "orange", "amber", "blue")


class PortalRadixThemes(rx.plugins.RadixThemesPlugin):
    """Radix Themes as the plugin sets it up, minus what no page uses (issue 19: first paint).

    * CSS: the plugin's @radix-ui/themes/styles.css carries the tokens of all 30
      colors; these are its parts in Radix's documented order (tokens/base, the
      colors, components, utilities) with only RADIX_COLORS: about 20 KiB less
      render-blocking CSS on every page.
    * JS: Reflex puts every plugin dependency into `window.__reflex` for
      client-side (rx.dynamic) components, a namespace import of the whole
      library in the app root, so every page loaded all ~30 Radix components.
      The portal has no dynamic components: without it each page loads the
      components it renders. The package is still installed, because every
      Radix component names it as its library.
    """

    def get_stylesheet_paths(self, **context):
        if not self.enabled:
            return ()
        colors = tuple(f"@radix-ui/themes/tokens/colors/{color}.css" for color in RADIX_COLORS)
        return (
            "@radix-ui/themes/tokens/base.css",
            *colors,
            "@radix-ui/themes/components.css",
            "@radix-ui/themes/utilities.css",
        )

    def get_frontend_dependencies(self, **context):
        return ()

    def pre_compile(self, **context):
        super().pre_compile(**context)
        context["add_modify_task"]("vite.config.js", group_shared_chunks)
        context["add_modify_task"]("postcss.config.js", trimmed_postcss_config)


# Vite (rolldown) splits every lucide icon and most Radix parts into a file of its own of
# 2-5 KiB: the dossier page needed 62 requests, and on a phone each round of six costs a
# network round trip before the first paint (issue 19). These groups join them into a few
# files shared by every page; a page then loads some icons or components it does not show,
# a few KiB, instead of waiting for dozens of requests.
SHARED_CHUNK_GROUPS = r"""
            {
              test: /node_modules\/lucide-react\//,
              name: "icons",
            },
            {
              test: /node_modules\/@radix-ui\/react-/,
              name: "radix-primitives",
            },
            {
              test: /node_modules\/@radix-ui\/themes\//,
              name: "radix-themes",
            },"""
REFLEX_ENV_GROUP = 'name: "reflex-env",\n            },'


def group_shared_chunks(vite_config: str) -> str:
    """vite.config.js with SHARED_CHUNK_GROUPS after Reflex's own group (unchanged if already there)."""
    if 'name: "icons"' in vite_config:
        return vite_config
    if REFLEX_ENV_GROUP not in vite_config:
        raise RuntimeError("vite.config.js changed shape: update rxconfig.group_shared_chunks")
    return vite_config.replace(REFLEX_ENV_GROUP, REFLEX_ENV_GROUP + SHARED_CHUNK_GROUPS, 1)


# Radix Themes' components.css styles all ~50 components: 640 KB of CSS that every page
# parses and matches against every element. These are the classes of the components no page
# renders (each a literal in Radix's JS, so a build that uses one names it in its scripts);
# the rules that need one of them are left out at build time, a quarter of the stylesheet
# (issue 19: on a phone the dossier page's first paint came 0.1 s sooner and its main thread
# was blocked less). tests/e2e/core/test_client_ux.py fails when a build uses one after all.
RADIX_UNUSED_CLASSES = (
    *("rt-AvatarFallback", "rt-AvatarImage", "rt-AvatarRoot", "rt-Blockquote", "rt-Em", "rt-Kbd", "rt-Quote"),
    *("rt-BaseMenuArrow", "rt-BaseMenuCheckboxItem", "rt-BaseMenuContent", "rt-BaseMenuItem"),
    *("rt-BaseMenuItemIndicator", "rt-BaseMenuItemIndicatorIcon", "rt-BaseMenuLabel", "rt-BaseMenuRadioItem"),
    *("rt-BaseMenuSeparator", "rt-BaseMenuShortcut", "rt-BaseMenuSubTrigger", "rt-BaseMenuSubTriggerIcon"),
    *("rt-BaseMenuViewport", "rt-ContextMenuContent", "rt-DropdownMenuContent"),
    *("rt-CheckboxCardCheckbox", "rt-CheckboxCardsItem", "rt-CheckboxCardsRoot"),
    *("rt-CheckboxGroupItem", "rt-CheckboxGroupItemCheckbox", "rt-CheckboxGroupItemInner", "rt-CheckboxGroupRoot"),
    *("rt-Container", "rt-ContainerInner", "rt-Section", "rt-Inset", "rt-Skeleton"),
    *("rt-DataListItem", "rt-DataListLabel", "rt-DataListRoot", "rt-DataListValue"),
    *("rt-HoverCardContent", "rt-PopoverContent", "rt-PopperContent"),
    *("rt-TooltipArrow", "rt-TooltipContent", "rt-TooltipText"),
    *("rt-RadioCardsItem", "rt-RadioCardsRoot", "rt-SliderRange", "rt-SliderTrack", "rt-TabNavItem", "rt-TabNavLink"),
    *("rt-SelectContent", "rt-SelectIcon", "rt-SelectItem", "rt-SelectItemIndicator", "rt-SelectItemIndicatorIcon"),
    *("rt-SelectLabel", "rt-SelectSeparator", "rt-SelectTrigger", "rt-SelectTriggerInner", "rt-SelectViewport"),
    *("rt-ThemePanelRadioCard", "rt-ThemePanelRadioCardInput", "rt-ThemePanelShortcut", "rt-ThemePanelSwatch"),
    "rt-ThemePanelSwatchInput",
)

# postcss.config.js as Reflex writes it, with a PostCSS step after the imports are inlined
# that drops every selector naming an unused class, and rules left without a selector.
POSTCSS_CONFIG = """// Written by rxconfig.py (PortalRadixThemes): Reflex's config plus the portal's CSS trim.
import postcssImport from "postcss-import";
import autoprefixer from "autoprefixer";

const noVendorPrefix = /^(1|true|y|yes)$/i.test(process.env.REFLEX_NO_AUTOPREFIXER ?? "");
const UNUSED = new Set(__UNUSED__);
const CLASS = /\\.(rt-[A-Z][A-Za-z0-9]*)(?![A-Za-z0-9_-])/g;

function usesUnused(selector) {
  for (const found of selector.matchAll(CLASS)) if (UNUSED.has(found[1])) return true;
  return false;
}

const dropUnusedRadix = () => ({
  postcssPlugin: "portal-drop-unused-radix",
  Rule(rule) {
    if (rule.parent && rule.parent.type === "atrule" && /keyframes$/i.test(rule.parent.name)) return;
    const kept = rule.selectors.filter((selector) => !usesUnused(selector));
    if (kept.length === 0) rule.remove();
    else if (kept.length !== rule.selectors.length) rule.selectors = kept;
  },
  AtRuleExit(atRule) {
    if (atRule.nodes && atRule.nodes.length === 0) atRule.remove();
  },
});
dropUnusedRadix.postcss = true;

export default {
  plugins: [postcssImport(), dropUnusedRadix(), ...(noVendorPrefix ? [] : [autoprefixer()])],
};
"""


def trimmed_postcss_config(reflex_config: str) -> str:
    """Our postcss.config.js in place of Reflex's (RADIX_UNUSED_CLASSES); refuses a changed original."""
    reflex_shape = (
        '"postcss-import": {}' in reflex_config and "autoprefixer: noVendorPrefix ? false : {}" in reflex_config
    )
    if "dropUnusedRadix" not in reflex_config and not reflex_shape:
        raise RuntimeError("postcss.config.js changed shape: update rxconfig.trimmed_postcss_config")
    return POSTCSS_CONFIG.replace("__UNUSED__", json.dumps(sorted(RADIX_UNUSED_CLASSES)))


config = rx.Config(
    app_name="portal_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The websocket and every backend route accept only the portal's own origin.
    cors_allowed_origins=[settings.public_origin],
    frontend_port=settings.port,
    backend_port=settings.port,
    deploy_url=settings.public_url,
    api_url=settings.public_url,
    redis_url=settings.redis_url,
    # One worker keeps tab states in memory: nothing is written to disk per
    # visitor, and a tab idle for an hour is dropped (it hydrates again from the
    # database when it comes back). Several workers share them through Redis.
    state_manager_mode="redis" if settings.redis_url else "memory",
    redis_token_expiration=3600,
    plugins=[PortalRadixThemes(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium"))],
    disable_plugins=[SitemapPlugin],
    # Build-time sidecars, preferred in this order: brotli is about a fifth smaller than
    # gzip on the build's scripts and stylesheet (issue 19, a phone on 4G); gzip for the rest.
    frontend_compression_formats=["brotli", "gzip"],
)
