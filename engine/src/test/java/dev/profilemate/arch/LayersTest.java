package dev.profilemate.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages depend one way: cli → commands (export, report, kernel, profile, bench,
 * live, otlp, compare, timeline, and collect's capture) → aggregate → session → spool, with the shared helpers and the error type in common, at the
 * bottom, importing nothing of ours. Checked on the compiled classes (templates included).
 */
class LayersTest {
  private static JavaClasses classes;

  @BeforeAll
  static void load() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.profilemate");
  }

  @Test
  void packagesDependOneWay() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("cli").definedBy("dev.profilemate.cli..")
        .layer("commands").definedBy("dev.profilemate.export..", "dev.profilemate.report..",
            "dev.profilemate.kernel..", "dev.profilemate.profile..", "dev.profilemate.bench..",
            "dev.profilemate.live..", "dev.profilemate.otlp..", "dev.profilemate.capture..",
            "dev.profilemate.compare..", "dev.profilemate.timeline..", "dev.profilemate.query..")
        .layer("aggregate").definedBy("dev.profilemate.aggregate..")
        .layer("session").definedBy("dev.profilemate.session..")
        .layer("spool").definedBy("dev.profilemate.spool..")
        .layer("common").definedBy("dev.profilemate.common..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("commands").mayOnlyBeAccessedByLayers("cli", "commands")
        .whereLayer("aggregate").mayOnlyBeAccessedByLayers("cli", "commands")
        .whereLayer("session").mayOnlyBeAccessedByLayers("cli", "commands", "aggregate")
        .whereLayer("spool").mayOnlyBeAccessedByLayers("cli", "commands", "aggregate", "session")
        .check(classes);
  }

  @Test
  void commonImportsNothingOfOurs() {
    com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses().that().resideInAPackage("dev.profilemate.common..")
        .should().dependOnClassesThat().resideOutsideOfPackages("dev.profilemate.common..", "java..", "javax..",
            "com.fasterxml..", "de.siegmar..")
        .check(classes);
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.profilemate.(*)..").should().beFreeOfCycles().check(classes);
  }
}
